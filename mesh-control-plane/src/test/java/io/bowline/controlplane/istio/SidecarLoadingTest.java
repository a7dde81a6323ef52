package io.bowline.controlplane.istio;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SidecarLoadingTest {

  @TempDir
  Path dir;

  @Test
  void readsEgressHostsSelectorAndExportTo() {
    TestConfigs.write(dir, "a.yaml", """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: web, namespace: shop}
        spec:
          workloadSelector: {labels: {app: web}}
          egress:
          - hosts: ["./*", "istio-system/*"]
          - port: {number: 80}
            hosts: ["*/*.example.com"]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: r, namespace: shop}
        spec:
          hosts: [r]
          exportTo: [".", ops]
        """);

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(config.sidecars()).singleElement().satisfies(sidecar -> {
      assertThat(sidecar.workloadSelector()).contains(Map.of("app", "web"));
      assertThat(sidecar.egressHosts()).containsExactly("./*", "istio-system/*", "*/*.example.com");
    });
    ResourceRef vs = config.virtualServices().get(0).ref();
    assertThat(config.exportOf(vs).namespaces()).containsExactly(".", "ops");
    assertThat(config.exportOf(vs).visibleTo("shop", "shop")).isTrue();
    assertThat(config.exportOf(vs).visibleTo("shop", "ops")).isTrue();
    assertThat(config.exportOf(vs).visibleTo("shop", "default")).isFalse();
    // The egress listener's port concerns a proxy's own listeners: reported, not an error.
    assertThat(config.diagnostics()).noneMatch(Diagnostic::isError)
        .anySatisfy(d -> assertThat(d.field()).isEqualTo("spec.egress[1].port"));
  }

  @Test
  void anEgressHostWithoutItsNamespaceIsAnError() {
    TestConfigs.write(dir, "a.yaml", """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: bad}
        spec:
          egress:
          - hosts: [reviews.default.svc.cluster.local]
        """);

    IstioConfig config = IstioConfigLoader.load(dir);

    assertThat(config.sidecars()).isEmpty();
    assertThat(config.diagnostics()).singleElement().satisfies(d -> {
      assertThat(d.isError()).isTrue();
      assertThat(d.field()).isEqualTo("spec.egress[0].hosts[0]");
      assertThat(d.message()).contains("namespace/host");
    });
    assertThat(List.of(config.hasErrors())).containsExactly(true);
  }
}
