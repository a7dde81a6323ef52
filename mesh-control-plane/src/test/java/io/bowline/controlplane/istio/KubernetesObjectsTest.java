package io.bowline.controlplane.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kubernetes Service and Deployment objects, and the lines diagnostics point at. */
class KubernetesObjectsTest {

  @TempDir
  Path dir;

  @Test
  void istiosBookinfoManifestGivesServicesAndPodLabels() {
    IstioConfig config = IstioConfigLoader.loadFiles(List.of(
        TestConfigs.istioFixture("samples__bookinfo__platform__kube__bookinfo.yaml")));

    assertThat(config.hasErrors()).isFalse();
    assertThat(config.serviceEntries()).extracting(se -> se.ref().kind(), se -> se.hosts().get(0),
            se -> se.ports().get(0).number(), se -> se.ports().get(0).protocol(), se -> se.workloadSelector())
        .containsExactly(
            tuple("Service", "details", 9080, "HTTP", java.util.Optional.of(Map.of("app", "details"))),
            tuple("Service", "ratings", 9080, "HTTP", java.util.Optional.of(Map.of("app", "ratings"))),
            tuple("Service", "reviews", 9080, "HTTP", java.util.Optional.of(Map.of("app", "reviews"))),
            tuple("Service", "productpage", 9080, "HTTP", java.util.Optional.of(Map.of("app", "productpage"))));
    assertThat(config.deployments()).extracting(d -> d.ref().name(), d -> d.podLabels().get("version"))
        .containsExactly(tuple("details-v1", "v1"), tuple("ratings-v1", "v1"), tuple("reviews-v1", "v1"),
            tuple("reviews-v2", "v2"), tuple("reviews-v3", "v3"), tuple("productpage-v1", "v1"));
  }

  @Test
  void externalNameServicesAreSkippedWithAWarningAtTheirLine() {
    TestConfigs.write(dir, "svc.yaml", """
        apiVersion: v1
        kind: Service
        metadata: {name: db}
        spec:
          type: ExternalName
          externalName: db.example.com
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec:
          selector: {app: web}
          ports:
          - {name: grpc-api, port: 8080, targetPort: 18080}
          - {name: metrics, port: 9090, protocol: UDP}
        """);

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(config.diagnostics()).extracting(Diagnostic::severity, Diagnostic::field, Diagnostic::line)
        .containsExactly(
            tuple(Diagnostic.Severity.WARNING, "spec.type", 5),
            tuple(Diagnostic.Severity.INFO, "spec.ports[1].protocol", 15));
    ServiceEntry web = config.serviceEntries().get(0);
    assertThat(web.ref().namespace()).isEqualTo("shop");
    assertThat(web.ports()).containsExactly(new ServicePort(8080, "grpc-api", "GRPC", 18080));
  }

  @Test
  void diagnosticsPointAtTheLineOfTheFieldOrOfItsNearestWrittenParent() {
    TestConfigs.write(dir, "vs.yaml", """
        # leading comment
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
        spec:
          hosts: [reviews]
          http:
          - route:
            - weight: 10
        """);

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(config.diagnostics()).singleElement().satisfies(d -> {
      assertThat(d.field()).isEqualTo("spec.http[0].route[0].destination");
      assertThat(d.line()).isEqualTo(10);
      assertThat(d).hasToString("ERROR vs.yaml:10: VirtualService default/reviews: "
          + "spec.http[0].route[0].destination: missing required field");
    });
  }
}
