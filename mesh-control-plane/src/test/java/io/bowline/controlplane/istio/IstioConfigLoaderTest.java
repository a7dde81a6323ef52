package io.bowline.controlplane.istio;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.Diagnostic.Severity;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.VirtualService.StringMatch;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IstioConfigLoaderTest {

  @TempDir
  Path dir;

  private static List<String> lines(IstioConfig config) {
    return config.diagnostics().stream()
        .map(d -> new Diagnostic(d.severity(), d.file(), d.resource(), d.field(), d.message()).toString())
        .toList();
  }

  @Test
  void readsYamlFilesOfTheDirectoryInSortedOrder() {
    TestConfigs.write(dir, "b.yml", vs("second", "b"));
    TestConfigs.write(dir, "a.yaml", vs("first", "a"));
    TestConfigs.write(dir, "notes.txt", "not: config");
    TestConfigs.write(dir, ".#a.yaml", "{{{ editor lock file");

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(config.files()).containsExactly("a.yaml", "b.yml");
    assertThat(config.virtualServices()).extracting(vs -> vs.ref().name()).containsExactly("first", "second");
    assertThat(config.diagnostics()).isEmpty();
  }

  @Test
  void theLaterFileWinsForTheSameKindNamespaceAndName() {
    TestConfigs.write(dir, "a.yaml", vs("reviews", "from-a"));
    TestConfigs.write(dir, "b.yaml", vs("reviews", "from-b"));

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(config.virtualServices()).singleElement()
        .satisfies(vs -> assertThat(vs.hosts()).containsExactly("from-b"));
    assertThat(config.diagnostics()).singleElement().satisfies(d -> {
      assertThat(d.severity()).isEqualTo(Severity.WARNING);
      assertThat(d.file()).isEqualTo("b.yaml");
      assertThat(d.message()).contains("a.yaml", "b.yaml");
    });
  }

  @Test
  void otherKindsAreReportedAndIgnored() {
    TestConfigs.write(dir, "k8s.yaml", """
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: reviews}
        ---
        apiVersion: security.istio.io/v1
        kind: RequestAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {jwtRules: [{issuer: "https://example.com"}]}
        """);

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(config.hasErrors()).isFalse();
    assertThat(lines(config)).containsExactly(
        "INFO k8s.yaml: ServiceAccount default/reviews: kind: kind ServiceAccount (v1) is not translated (later issue); "
            + "ignored",
        "INFO k8s.yaml: RequestAuthentication istio-system/default: kind: kind RequestAuthentication "
            + "(security.istio.io/v1) is not translated (later issue); ignored");
  }

  @Test
  void unparseableYamlIsAnErrorOfTheWholeFile() {
    TestConfigs.write(dir, "good.yaml", vs("good", "good"));
    TestConfigs.write(dir, "bad.yaml", vs("bad", "bad") + "---\nspec: [unclosed\n");

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(config.hasErrors()).isTrue();
    assertThat(config.virtualServices()).extracting(vs -> vs.ref().name()).containsExactly("good");
    assertThat(config.diagnostics()).singleElement().satisfies(d -> {
      assertThat(d.file()).isEqualTo("bad.yaml");
      assertThat(d.message()).startsWith("invalid YAML");
    });
  }

  @Test
  void missingRequiredFieldsAndWrongTypesAreErrorsNotExceptions() {
    TestConfigs.write(dir, "broken.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: no-hosts}
        spec:
          http:
          - route:
            - destination: {subset: v1}
        ---
        apiVersion: networking.istio.io/v1beta1
        kind: ServiceEntry
        metadata: {name: bad-port, namespace: shop}
        spec:
          hosts: [cart]
          ports:
          - {number: 99999, name: http}
          - {number: 8080, name: http}
          - {number: 8080, name: http-alt}
        ---
        apiVersion: networking.istio.io/v1alpha3
        kind: DestinationRule
        metadata: {name: no-host}
        spec:
          subsets: "not a list"
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {}
        spec: {address: 10.0.0.1}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: no-spec}
        """);

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(lines(config)).containsExactly(
        "ERROR broken.yaml: VirtualService default/no-hosts: spec.hosts: missing required field (at least one host)",
        "ERROR broken.yaml: ServiceEntry shop/bad-port: spec.ports[0].number: port 99999 is out of range 1..65535",
        "ERROR broken.yaml: ServiceEntry shop/bad-port: spec.ports[2].number: port 8080 is listed twice",
        "ERROR broken.yaml: DestinationRule default/no-host: spec.host: missing required field",
        "ERROR broken.yaml: DestinationRule default/no-host: spec.subsets: expected a list",
        "ERROR broken.yaml: WorkloadEntry default/(no name): metadata.name: missing required field",
        "ERROR broken.yaml: DestinationRule default/no-spec: spec: missing required field");
  }

  @Test
  void virtualServiceRulesTranslateAndBadOnesAreErrors() {
    TestConfigs.write(dir, "vs.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          gateways: [mesh, bookinfo-gateway]
          http:
          - name: with-extras
            match:
            - uri: {regex: "/api/v[0-9]+/.*"}
              ignoreUriCase: true
              method: {exact: GET}
              headers:
                end-user: {}
                x-any: {regex: "*"}
            timeout: 2s
            retries: {attempts: 3}
            route:
            - destination: {host: reviews}
              headers: {request: {set: {x: y}}}
          - redirect: {uri: /elsewhere}
          - delegate: {name: other}
          - match:
            - uri: {regex: "(unclosed"}
            route:
            - destination: {host: reviews}
        """);

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(lines(config)).hasSize(2).startsWith(
        "ERROR vs.yaml: VirtualService default/reviews: spec.http[2].delegate: delegate is not supported by the local "
            + "control plane; write the routes inline");
    assertThat(lines(config).get(1)).startsWith(
        "ERROR vs.yaml: VirtualService default/reviews: spec.http[3].match[0].uri.regex: invalid RE2 regex \"(unclosed\"");
    VirtualService vs = config.virtualServices().get(0);
    assertThat(vs.http()).extracting(VirtualService.HttpRoute::field)
        .containsExactly("spec.http[0]", "spec.http[1]", "spec.http[3]");
    assertThat(vs.http().get(1).redirect().uri()).isEqualTo("/elsewhere");
    assertThat(vs.http().get(0).match().get(0).method()).isEqualTo(new StringMatch(StringMatch.Kind.EXACT, "GET"));
    VirtualService.HttpMatch match = vs.http().get(0).match().get(0);
    assertThat(match.uri()).isEqualTo(new StringMatch(StringMatch.Kind.REGEX, "/api/v[0-9]+/.*"));
    assertThat(match.ignoreUriCase()).isTrue();
    assertThat(match.headers()).containsExactly(
        org.assertj.core.api.Assertions.entry("end-user", new StringMatch(StringMatch.Kind.PRESENT, "")),
        org.assertj.core.api.Assertions.entry("x-any", new StringMatch(StringMatch.Kind.PRESENT, "")));
  }

  @Test
  void virtualServicesBoundOnlyToGatewaysAreKeptForTheGatewaysOnly() {
    TestConfigs.write(dir, "gw.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ingress}
        spec:
          hosts: ["*"]
          gateways: [bookinfo-gateway]
          http:
          - route:
            - destination: {host: productpage}
        """);

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(config.virtualServices()).isEmpty();
    assertThat(config.gateways().virtualServices()).singleElement().satisfies(bound -> {
      assertThat(bound.gateways()).containsExactly("default/bookinfo-gateway");
      assertThat(bound.mesh()).isFalse();
      assertThat(bound.virtualService().http()).hasSize(1);
    });
    assertThat(config.diagnostics()).isEmpty();
  }

  @Test
  void aMissingDirectoryIsADiagnostic() {
    IstioConfig config = IstioConfigLoader.load(dir.resolve("absent"));

    assertThat(config.hasErrors()).isTrue();
    assertThat(config.files()).isEmpty();
  }

  private static String vs(String name, String host) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: %s
        spec:
          hosts: [%s]
        """.formatted(name, host);
  }
}
