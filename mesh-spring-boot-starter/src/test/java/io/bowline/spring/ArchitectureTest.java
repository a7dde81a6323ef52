package io.bowline.spring;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.util.ArrayList;
import java.util.List;

/**
 * The starter's arrows (main code): its clients are adapters on the runtime's pipeline, never a
 * second xDS client; each client package stands alone (Feign on the HTTP transport, gRPC on the
 * runtime's channels), the inbound filters and the SSL bundle know no client, and only the auto-configuration
 * (this package) wires them together; the control plane is for the test support only.
 */
@AnalyzeClasses(packages = "io.bowline.spring", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String P = "io.bowline.spring";

  @ArchTest
  static final ArchRule theStarterIsAdaptersNotASecondImplementation = noClasses().should().dependOnClassesThat()
      .resideInAnyPackage("io.bowline.runtime.xds..", "io.bowline.runtime.snapshot.compile..")
      .because("Spring's clients plug into the pipeline through UpstreamTransport and the runtime's adapters");

  @ArchTest
  static final ArchRule onlyTheAutoConfigurationWiresThePieces = noClasses().that().resideInAnyPackage(P + ".*..")
      .should().dependOnClassesThat().resideInAPackage(P);

  @ArchTest
  static final ArchRule theHttpTransportKnowsOnlyTheInboundContext = using(".http", ".inbound");

  @ArchTest
  static final ArchRule feignRunsOnTheHttpTransport = using(".feign", ".http");

  @ArchTest
  static final ArchRule grpcRunsOnTheRuntimesChannels = using(".grpc");

  @ArchTest
  static final ArchRule theInboundFiltersKnowNoClient = using(".inbound");

  @ArchTest
  static final ArchRule actuatorKnowsNoClient = using(".actuate");

  @ArchTest
  static final ArchRule theSslBundleKnowsNoClientNorTheInboundFilters = using(".ssl");

  @ArchTest
  static final ArchRule onlyTheTestSupportKnowsTheControlPlane = noClasses().that().resideOutsideOfPackage(P + ".test..")
      .should().dependOnClassesThat().resideInAPackage("io.bowline.controlplane..");

  /** The starter's sub-packages that {@code pkg} may use besides itself: only {@code allowed}. */
  private static ArchRule using(String pkg, String... allowed) {
    List<String> others = new ArrayList<>();
    for (String p : List.of(".http", ".feign", ".grpc", ".inbound", ".actuate", ".ssl", ".test")) {
      if (!p.equals(pkg) && !List.of(allowed).contains(p)) {
        others.add(P + p + "..");
      }
    }
    return noClasses().that().resideInAPackage(P + pkg + "..").should().dependOnClassesThat()
        .resideInAnyPackage(others.toArray(String[]::new));
  }

  @ArchTest
  static final ArchRule noPackageCycles = slices().matching(P + ".(*)..").should().beFreeOfCycles();
}
