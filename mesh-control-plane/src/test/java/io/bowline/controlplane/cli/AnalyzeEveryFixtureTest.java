package io.bowline.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.bowline.controlplane.translate.XdsResources;
import io.bowline.controlplane.translate.XdsTranslator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * {@code analyze} over every shared Istio fixture: each file either translates or every resource it holds
 * that is not translated is named by a diagnostic with file, line, resource and an explanation; errors come
 * with a non-zero exit code. And Istio's Bookinfo manifest (Kubernetes Services and Deployments) with its
 * DestinationRules and any Bookinfo VirtualService analyzes without errors.
 */
class AnalyzeEveryFixtureTest {

  private static final String BOOKINFO = "samples__bookinfo__platform__kube__bookinfo.yaml";
  private static final String DR_ALL = "samples__bookinfo__networking__destination-rule-all.yaml";

  private static List<Path> fixtures() {
    try (Stream<Path> files = Files.list(TestConfigs.istioFixtures())) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @TestFactory
  Stream<DynamicTest> everyFixtureTranslatesOrGetsNamedExplainedDiagnostics() {
    return fixtures().stream().map(fixture -> DynamicTest.dynamicTest(fixture.getFileName().toString(), () -> {
      StringWriter out = new StringWriter();
      CommandLineRun run = analyze(fixture, out);
      IstioConfig config = IstioConfigLoader.load(fixture);
      XdsResources resources = new XdsTranslator().translate(config);

      assertThat(run.exitCode()).isEqualTo(resources.hasErrors() ? 1 : 0);
      assertThat(out.toString().lines().toList())
          .containsExactlyElementsOf(resources.diagnostics().stream().map(Diagnostic::toString).toList());
      for (Diagnostic diagnostic : resources.diagnostics()) {
        assertThat(diagnostic.file()).isEqualTo(fixture.getFileName().toString());
        assertThat(diagnostic.line()).as(diagnostic.toString()).isPositive();
        assertThat(diagnostic.resource()).as(diagnostic.toString()).matches("\\w+ [\\w.-]+/[\\w.-]+");
        assertThat(diagnostic.field()).as(diagnostic.toString()).isNotEmpty();
        assertThat(diagnostic.message()).as(diagnostic.toString()).hasSizeGreaterThan(20);
      }
      for (String resource : resourcesIn(fixture)) {
        boolean translated = Stream.of(config.serviceEntries().stream().map(r -> r.ref()),
                config.workloadEntries().stream().map(r -> r.ref()),
                config.destinationRules().stream().map(r -> r.ref()),
                config.virtualServices().stream().map(r -> r.ref()),
                config.deployments().stream().map(r -> r.ref()),
                config.security().peerAuthentications().stream().map(r -> r.ref()),
                config.security().authorizationPolicies().stream().map(r -> r.ref()),
                config.gateways().gateways().stream().map(r -> r.ref()),
                config.gateways().virtualServices().stream().map(r -> r.virtualService().ref()))
            .flatMap(refs -> refs)
            .anyMatch(ref -> ref.label().equals(resource));
        boolean explained = resources.diagnostics().stream().anyMatch(d -> d.resource().equals(resource));
        assertThat(translated || explained).as("%s is translated or explained", resource).isTrue();
      }
    }));
  }

  @TestFactory
  Stream<DynamicTest> bookinfoManifestWithItsRulesHasNoErrors() {
    return TestConfigs.bookinfoNetworkingFixtures().stream()
        .filter(f -> f.getFileName().toString().contains("virtual-service"))
        .map(fixture -> DynamicTest.dynamicTest(fixture.getFileName().toString(), () -> {
          XdsResources resources = new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.of(
              TestConfigs.istioFixture(BOOKINFO), TestConfigs.istioFixture(DR_ALL), fixture)));

          assertThat(resources.diagnostics()).filteredOn(Diagnostic::isError).isEmpty();
          assertThat(resources.listeners()).hasSize(4);
        }));
  }

  private record CommandLineRun(int exitCode) {}

  private static CommandLineRun analyze(Path fixture, StringWriter out) {
    var commandLine = ControlPlaneCli.commandLine();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(new StringWriter()));
    return new CommandLineRun(commandLine.execute("analyze", fixture.toString()));
  }

  /** "Kind namespace/name" of every document in the file. */
  private static List<String> resourcesIn(Path file) throws IOException {
    List<String> labels = new ArrayList<>();
    for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(file))) {
      if (document instanceof Map<?, ?> map && map.get("metadata") instanceof Map<?, ?> metadata) {
        Object namespace = metadata.get("namespace");
        labels.add(map.get("kind") + " " + (namespace == null ? "default" : namespace) + "/" + metadata.get("name"));
      }
    }
    return labels;
  }
}
