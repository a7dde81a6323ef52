package io.bowline.runtime;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The runtime's package arrows, as docs/architecture.md draws them: adapters on top, then the
 * client, the config plane and the snapshot, the exchange pipeline with its filters and the
 * router, the compiled route policies, routing, the upstream cluster manager, and the runtime's
 * services at the bottom. Main code only.
 */
@AnalyzeClasses(packages = "io.bowline.runtime", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String R = "io.bowline.runtime";

  @ArchTest
  static final ArchRule theRuntimeNeverImportsTheControlPlane = noClasses().should().dependOnClassesThat()
      .resideInAPackage("io.bowline.controlplane..")
      .because("the runtime and the local control plane meet only on the wire");

  @ArchTest
  static final ArchRule theDataPlaneNeverImportsTheXdsTransport = noClasses()
      .that().resideInAnyPackage(R + ".router..", R + ".pipeline..", R + ".filter..", R + ".upstream..",
          R + ".routing..", R + ".adapter..")
      .should().dependOnClassesThat().resideInAnyPackage(R + ".xds..", R + ".bootstrap..")
      .because("the data plane reads the compiled snapshot, never the xDS stream or the bootstrap");

  @ArchTest
  static final ArchRule adaptersNeverImportEachOther = slices().matching(R + ".adapter.(*)..")
      .should().notDependOnEachOther()
      .because("each adapter is a thin entry and transport over the one pipeline");

  @ArchTest
  static final ArchRule routerPipelineAndFiltersNeverImportAdapters = noClasses()
      .that().resideInAnyPackage(R + ".router..", R + ".pipeline..", R + ".filter..")
      .should().dependOnClassesThat().resideInAPackage(R + ".adapter..")
      .because("adapters plug in through UpstreamTransport and ShadowSender");

  @ArchTest
  static final ArchRule upstreamNeverImportsRouterPipelineOrAdapters = noClasses()
      .that().resideInAPackage(R + ".upstream..")
      .should().dependOnClassesThat().resideInAnyPackage(R + ".router..", R + ".pipeline..", R + ".adapter..")
      .because("the cluster manager knows hosts, health and load balancing, not exchanges");

  @ArchTest
  static final ArchRule theAdminEndpointOnlyReads = noClasses().that().resideInAPackage(R + ".admin..")
      .should().dependOnClassesThat().resideInAnyPackage(R + ".pipeline..", R + ".router..", R + ".filter..",
          R + ".adapter..")
      .because("the admin interface shows the config plane, the snapshot and the cluster manager; it routes nothing");

  @ArchTest
  static final ArchRule packagesAreFreeOfCycles = slices().matching(R + ".(**)").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
      .layer("Adapters").definedBy(R + ".adapter..")
      .layer("Client").definedBy(R)
      .layer("Admin").definedBy(R + ".admin..")
      .layer("Inbound").definedBy(R + ".inbound..")
      .layer("Config plane").definedBy(R + ".xds..", R + ".bootstrap..", R + ".staticconfig..", R + ".dns..",
          R + ".status..")
      .layer("Snapshot").definedBy(R + ".snapshot..")
      .layer("Filters").definedBy(R + ".filter.fault..", R + ".filter.mirror..", R + ".filter.ratelimit..",
          R + ".filter.peermetadata..",
          R + ".telemetry")
      .layer("Router").definedBy(R + ".router")
      .layer("Pipeline").definedBy(R + ".pipeline..")
      .layer("Route policies").definedBy(R + ".router.retry..", R + ".router.timeout..", R + ".filter.common..")
      .layer("Routing").definedBy(R + ".routing..")
      .layer("Upstream").definedBy(R + ".upstream..")
      .layer("TLS").definedBy(R + ".tls..")
      .layer("Services").definedBy(R + ".lifecycle..", R + ".common..", R + ".telemetry.format..")
      .whereLayer("Adapters").mayNotBeAccessedByAnyLayer()
      .whereLayer("Client").mayOnlyBeAccessedByLayers("Adapters")
      .whereLayer("Admin").mayOnlyBeAccessedByLayers("Client", "Adapters")
      .whereLayer("Inbound").mayOnlyBeAccessedByLayers("Client", "Adapters")
      .whereLayer("Inbound").mayOnlyAccessLayers("Routing", "TLS", "Services")
      .whereLayer("Admin").mayOnlyAccessLayers("Config plane", "Snapshot", "Upstream", "Routing", "Services")
      .whereLayer("Config plane").mayOnlyAccessLayers("Routing", "Services")
      .whereLayer("Snapshot").mayOnlyAccessLayers("Config plane", "Route policies", "Routing", "Upstream", "TLS",
          "Services")
      .whereLayer("Filters").mayOnlyAccessLayers("Pipeline", "Route policies", "Routing", "Upstream", "Services")
      .whereLayer("Router").mayOnlyAccessLayers("Pipeline", "Route policies", "Routing", "Upstream", "TLS", "Services")
      .whereLayer("Pipeline").mayOnlyAccessLayers("Snapshot", "Route policies", "Routing", "Upstream", "Services")
      .whereLayer("Route policies").mayOnlyAccessLayers("Routing", "Upstream", "Services")
      .whereLayer("Routing").mayOnlyAccessLayers("Upstream", "Services")
      .whereLayer("Upstream").mayOnlyAccessLayers("TLS", "Services")
      .whereLayer("TLS").mayNotAccessAnyLayer()
      .whereLayer("Services").mayNotAccessAnyLayer()
      .ensureAllClassesAreContainedInArchitecture();

  /** One check for the whole reactor: every package of main code, in every module, has its two lines. */
  @Test
  void everyPackageOfEveryModuleSaysWhatLivesThereAndWhatItMustNotImport() throws IOException {
    Path reactor = Path.of("..").toAbsolutePath().normalize();
    List<Path> missing = new ArrayList<>();
    for (String module : List.of("mesh-api", "mesh-runtime", "mesh-control-plane", "samples/bookinfo", "benchmarks")) {
      Path sources = reactor.resolve(module).resolve("src/main/java");
      assertThat(sources).as("module sources").isDirectory();
      packagesWithoutPackageInfo(sources).forEach(p -> missing.add(Path.of(module).resolve(p)));
    }
    assertThat(missing).as("packages without a package-info.java").isEmpty();
  }

  /** Directories under {@code root} that hold Java sources but no {@code package-info.java}. */
  static List<Path> packagesWithoutPackageInfo(Path root) throws IOException {
    try (Stream<Path> dirs = Files.walk(root)) {
      return dirs.filter(Files::isDirectory).filter(ArchitectureTest::holdsSources)
          .filter(d -> !Files.exists(d.resolve("package-info.java"))).map(root::relativize).toList();
    }
  }

  private static boolean holdsSources(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.anyMatch(f -> f.toString().endsWith(".java"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
