package io.bowline.controlplane.istio;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.Gateway.TlsMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading Istio's Gateway (networking.istio.io v1, v1beta1, v1alpha3) with istiod's validation, the Kubernetes
 * TLS Secrets its servers name, and VirtualServices bound to gateways ({@code gateways}, with {@code mesh}).
 */
class GatewayLoadingTest {

  private static final String PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  private static final String KEY = "-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n";

  @TempDir
  Path dir;

  @Test
  void istiosGatewaySamplesLoadWithoutDiagnosticsInEveryApiVersion() {
    for (String version : List.of("v1", "v1beta1", "v1alpha3")) {
      TestConfigs.write(dir, "gw.yaml", gateway(version, """
          - port: {number: 443, name: https, protocol: https}
            hosts: ["./bookinfo.example.com", "*/*.example.org"]
            tls: {mode: MUTUAL, credentialName: bookinfo, subjectAltNames: [client.example.com]}
          - port: {number: 80, name: http, protocol: HTTP}
            hosts: ["*"]
            tls: {httpsRedirect: true}
          """));

      IstioConfig config = IstioConfigLoader.load(dir);

      assertThat(config.diagnostics()).as(version).isEmpty();
      Gateway gateway = config.gateways().gateways().get(0);
      assertThat(gateway.selector()).isEqualTo(Map.of("istio", "ingressgateway"));
      assertThat(gateway.servers().get(0).port().protocol()).isEqualTo("HTTPS");
      assertThat(gateway.servers().get(0).tls().mode()).isEqualTo(TlsMode.MUTUAL);
      assertThat(gateway.servers().get(0).tls().subjectAltNames()).containsExactly("client.example.com");
      assertThat(gateway.servers().get(1).tls().httpsRedirect()).isTrue();
      assertThat(gateway.servers().get(1).tls().mode()).isEqualTo(TlsMode.NONE);
    }
  }

  @Test
  void invalidServersAreErrorsNamingTheFieldAndTheGatewayIsNotServed() {
    TestConfigs.write(dir, "gw.yaml", gateway("v1", """
        - port: {number: 80, name: http, protocol: HTTTP}
          hosts: ["*"]
        - port: {number: 443, protocol: HTTPS}
          hosts: ["*"]
          tls: {mode: SIMPLE}
        - port: {number: 8443, name: tls, protocol: HTTPS}
          hosts: ["bad_ns!/x.example.com", "not a host"]
        - port: {number: 9443, name: tls, protocol: HTTPS}
          hosts: ["*"]
          tls: {mode: SIMPLE}
        """));

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(config.gateways().gateways()).isEmpty();
    assertThat(config.diagnostics()).filteredOn(Diagnostic::isError).extracting(d -> d.field() + ": " + d.message())
        .contains(
            "spec.servers[0].port.protocol: unknown protocol \"HTTTP\"; expected one of HTTP, HTTPS, GRPC, HTTP2, "
                + "MONGO, TCP, TLS",
            "spec.servers[1].port.name: missing required field",
            "spec.servers[2].hosts[0]: namespace \"bad_ns!\" of \"bad_ns!/x.example.com\" must be '.', '*' or a "
                + "namespace name",
            "spec.servers[2].hosts[1]: \"not a host\" is not a host name: expected \"*\", \"*.suffix\" or a DNS name",
            "spec.servers[2].tls: a HTTPS server needs tls settings (mode SIMPLE, MUTUAL, PASSTHROUGH or ISTIO_MUTUAL)",
            "spec.servers[3].tls.credentialName: tls mode SIMPLE needs credentialName (the Secret of type "
                + "kubernetes.io/tls holding the server's key and certificate)");
    assertThat(config.diagnostics()).filteredOn(Diagnostic::isError).allSatisfy(d -> {
      assertThat(d.resource()).isEqualTo("Gateway istio-system/ingress");
      assertThat(d.line()).isPositive();
    });
  }

  @Test
  void aMistypedGatewayKindGetsADidYouMean() {
    TestConfigs.write(dir, "gw.yaml", gateway("v1", "- port: {number: 80, name: http, protocol: HTTP}\n"
        + "  hosts: [\"*\"]\n").replace("kind: Gateway", "kind: Gatway"));

    assertThat(IstioConfigLoader.load(dir).diagnostics()).singleElement()
        .satisfies(d -> assertThat(d.message()).endsWith("did you mean Gateway?"));
  }

  @Test
  void aTlsSecretIsReadFromDataOrStringDataAndNeverPrintsItsKey() {
    Base64.Encoder base64 = Base64.getEncoder();
    TestConfigs.write(dir, "secrets.yaml", """
        apiVersion: v1
        kind: Secret
        metadata: {name: bookinfo, namespace: istio-system}
        type: kubernetes.io/tls
        data:
          tls.crt: %s
          tls.key: %s
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: bookinfo-cacert, namespace: istio-system}
        stringData:
          cacert: |
            -----BEGIN CERTIFICATE-----
            MIIB
            -----END CERTIFICATE-----
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: broken, namespace: istio-system}
        type: kubernetes.io/tls
        data:
          tls.crt: %s
          tls.key: "!!not base64!!"
        """.formatted(base64.encodeToString(PEM.getBytes(StandardCharsets.UTF_8)),
        base64.encodeToString(KEY.getBytes(StandardCharsets.UTF_8)),
        base64.encodeToString("not pem".getBytes(StandardCharsets.UTF_8))));

    IstioConfig config = IstioConfigLoader.load(dir);

    TlsSecret secret = config.gateways().secret("istio-system", "bookinfo").orElseThrow();
    assertThat(secret.certificateChain()).isEqualTo(PEM);
    assertThat(secret.privateKey()).isEqualTo(KEY);
    assertThat(secret.toString()).doesNotContain("secret-key-material").contains("istio-system/bookinfo");
    assertThat(config.gateways().secret("istio-system", "bookinfo-cacert").orElseThrow().hasCaCertificate()).isTrue();
    assertThat(config.gateways().secret("istio-system", "broken")).isEmpty();
    assertThat(config.diagnostics()).filteredOn(Diagnostic::isError).extracting(d -> d.field() + ": " + d.message())
        .containsExactlyInAnyOrder("data.tls.crt: is not PEM (no -----BEGIN line)", "data.tls.key: is not base64");
    assertThat(config.diagnostics()).allSatisfy(d -> assertThat(d.message()).doesNotContain("not pem"));
  }

  @Test
  void aVirtualServiceBoundToMeshAndAGatewayRoutesForBoth() {
    TestConfigs.write(dir, "vs.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: productpage}
        spec:
          hosts: [productpage]
          gateways: [mesh, istio-system/ingress, local]
          http: [{route: [{destination: {host: productpage}}]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: bad}
        spec:
          hosts: [bad]
          gateways: ["a/b/c"]
          http: [{route: [{destination: {host: bad}}]}]
        """);

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(config.virtualServices()).extracting(vs -> vs.ref().name()).containsExactly("productpage");
    assertThat(config.gateways().virtualServices()).singleElement().satisfies(bound -> {
      assertThat(bound.gateways()).containsExactly("istio-system/ingress", "default/local");
      assertThat(bound.mesh()).isTrue();
    });
    assertThat(config.diagnostics()).singleElement().satisfies(d -> {
      assertThat(d.field()).isEqualTo("spec.gateways[0]");
      assertThat(d.message()).contains("\"a/b/c\" is not a gateway reference");
    });
  }

  private static String gateway(String version, String servers) {
    return """
        apiVersion: networking.istio.io/%s
        kind: Gateway
        metadata: {name: ingress, namespace: istio-system}
        spec:
          selector: {istio: ingressgateway}
          servers:
        %s""".formatted(version, servers.indent(2));
  }
}
