package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.cluster;
import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec §12.3 / §12.5: DestinationRule {@code trafficPolicy.tls} → the cluster TLS istiod's grpc generator writes. */
class ClusterTlsTranslationTest {
  private static final String SERVICE = "outbound|8000||httpbin.bar.svc.cluster.local";
  private static final String GRPC_PORT = "outbound|9000||httpbin.bar.svc.cluster.local";

  @TempDir
  Path dir;

  @BeforeEach
  void workloads() {
    TestConfigs.write(dir, "00-httpbin.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: httpbin, namespace: bar}
        spec:
          hosts: [httpbin.bar.svc.cluster.local]
          ports: [{number: 8000, name: http}, {number: 9000, name: grpc}]
          resolution: STATIC
          workloadSelector: {labels: {app: httpbin}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: httpbin-v1, namespace: bar}
        spec: {address: 10.0.1.10, labels: {app: httpbin, version: v1}, serviceAccount: httpbin}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: httpbin-v2, namespace: bar}
        spec: {address: 10.0.1.11, labels: {app: httpbin, version: v2}, serviceAccount: httpbin-v2}
        """);
  }

  private XdsResources translate(String rule) {
    TestConfigs.write(dir, "10-dr.yaml", rule);
    return new XdsTranslator().translate(IstioConfigLoader.load(dir));
  }

  private static UpstreamTlsContext tls(Cluster cluster) throws IOException {
    assertThat(cluster.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
    return cluster.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
  }

  @Test
  @SuppressWarnings("deprecation")
  void istioMutualUsesTheDefaultCertificateProviderAndTheServiceAccountsAsSans() throws IOException {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: httpbin, namespace: bar}
        spec:
          host: httpbin
          trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
        """);
    assertThat(errors(resources)).isEmpty();
    CommonTlsContext common = tls(cluster(resources, SERVICE)).getCommonTlsContext();
    assertThat(common.getTlsCertificateProviderInstance().getInstanceName()).isEqualTo("default");
    assertThat(common.getTlsCertificateProviderInstance().getCertificateName()).isEqualTo("default");
    assertThat(common.getTlsCertificateCertificateProviderInstance().getCertificateName()).isEqualTo("default");
    assertThat(common.getCombinedValidationContext().getValidationContextCertificateProviderInstance()
        .getCertificateName()).isEqualTo("ROOTCA");
    assertThat(common.getCombinedValidationContext().getDefaultValidationContext().getMatchSubjectAltNamesList())
        .containsExactly(
            StringMatcher.newBuilder().setExact("spiffe://cluster.local/ns/bar/sa/httpbin").build(),
            StringMatcher.newBuilder().setExact("spiffe://cluster.local/ns/bar/sa/httpbin-v2").build());
    assertThat(tls(cluster(resources, GRPC_PORT))).isEqualTo(tls(cluster(resources, SERVICE)));
  }

  @Test
  @SuppressWarnings("deprecation")
  void portLevelSettingsReplaceTheRulesTlsAndSubjectAltNamesWinOverServiceAccounts() throws IOException {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: httpbin, namespace: bar}
        spec:
          host: httpbin.bar.svc.cluster.local
          trafficPolicy:
            tls: {mode: ISTIO_MUTUAL, subjectAltNames: [spiffe://example.org/ns/bar/sa/custom]}
            portLevelSettings:
            - port: {number: 8000}
              tls: {mode: DISABLE}
            - port: {number: 9000}
              loadBalancer: {simple: ROUND_ROBIN}
          subsets:
          - name: v1
            labels: {version: v1}
          - name: v2
            labels: {version: v2}
            trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
        """);
    assertThat(cluster(resources, SERVICE).hasTransportSocket()).isFalse();
    assertThat(cluster(resources, "outbound|8000|v1|httpbin.bar.svc.cluster.local").hasTransportSocket()).isFalse();
    // the port-level entry of 9000 sets no tls, and replaces the rule's policy as a whole
    assertThat(cluster(resources, GRPC_PORT).hasTransportSocket()).isFalse();
    // the subset's own tls wins over the service cluster's
    assertThat(tls(cluster(resources, "outbound|8000|v2|httpbin.bar.svc.cluster.local")).getCommonTlsContext()
        .getCombinedValidationContext().getDefaultValidationContext().getMatchSubjectAltNamesCount()).isEqualTo(2);
  }

  @Test
  @SuppressWarnings("deprecation")
  void ruleSubjectAltNamesAreTheSanMatch() throws IOException {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: httpbin, namespace: bar}
        spec:
          host: httpbin.bar.svc.cluster.local
          trafficPolicy: {tls: {mode: ISTIO_MUTUAL, subjectAltNames: [spiffe://example.org/ns/bar/sa/custom]}}
        """);
    assertThat(tls(cluster(resources, SERVICE)).getCommonTlsContext().getCombinedValidationContext()
        .getDefaultValidationContext().getMatchSubjectAltNamesList()).extracting(StringMatcher::getExact)
        .containsExactly("spiffe://example.org/ns/bar/sa/custom");
  }

  @Test
  void simpleAndMutualAreNotTranslatedAndSaySo() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: httpbin, namespace: bar}
        spec:
          host: httpbin.bar.svc.cluster.local
          trafficPolicy:
            tls: {mode: MUTUAL, clientCertificate: /etc/certs/cert.pem, privateKey: /etc/certs/key.pem}
          subsets:
          - name: v1
            labels: {version: v1}
            trafficPolicy: {tls: {mode: SIMPLE, caCertificates: /etc/certs/ca.pem}}
        """);
    assertThat(errors(resources)).isEmpty();
    assertThat(resources.clusters()).noneMatch(Cluster::hasTransportSocket);
    assertThat(resources.diagnostics()).extracting(Diagnostic::toString)
        .anyMatch(d -> d.contains("spec.trafficPolicy.tls.mode") && d.contains("MUTUAL is not translated"))
        .anyMatch(d -> d.contains("spec.subsets[0].trafficPolicy.tls.mode") && d.contains("SIMPLE is not translated"));
  }

  @Test
  void invalidTlsSettingsAreErrors() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: httpbin, namespace: bar}
        spec:
          host: httpbin.bar.svc.cluster.local
          trafficPolicy: {tls: {mode: MUTUAL}}
          subsets:
          - name: v1
            labels: {version: v1}
            trafficPolicy: {tls: {mode: ISTIO_MUTUAL, caCertificates: /ca.pem}}
          - name: v2
            labels: {version: v2}
            trafficPolicy: {tls: {mode: SOMETIMES}}
        """);
    assertThat(errors(resources)).extracting(Diagnostic::toString)
        .anyMatch(d -> d.contains("spec.trafficPolicy.tls.mode") && d.contains("clientCertificate"))
        .anyMatch(d -> d.contains("spec.subsets[0].trafficPolicy.tls.caCertificates"))
        .anyMatch(d -> d.contains("SOMETIMES"));
  }

  @Test
  void theIstioFixtureDisablesTlsOnPort8000Only() throws IOException {
    XdsResources resources = new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.of(
        dir.resolve("00-httpbin.yaml"), TestConfigs.istioFixture(
            "istio.io__tasks__security__authentication__authn-policy__snip_enable_mutual_tls_per_workload_6.yaml"))));
    assertThat(cluster(resources, SERVICE).hasTransportSocket()).isFalse();
    assertThat(tls(cluster(resources, GRPC_PORT)).hasCommonTlsContext()).isTrue();
  }
}
