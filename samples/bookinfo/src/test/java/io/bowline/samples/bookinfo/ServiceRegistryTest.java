package io.bowline.samples.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.LocalControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

class ServiceRegistryTest {

  private static final List<ServiceRegistry.Instance> BOOKINFO = List.of(
      new ServiceRegistry.Instance("productpage", "v1", 41001),
      new ServiceRegistry.Instance("details", "v1", 41002),
      new ServiceRegistry.Instance("reviews", "v1", 41003),
      new ServiceRegistry.Instance("reviews", "v2", 41004),
      new ServiceRegistry.Instance("reviews", "v3", 41005),
      new ServiceRegistry.Instance("ratings", "v1", 41006));

  @Test
  void oneServiceEntryPerServiceAndOneWorkloadEntryPerWorkload() {
    List<Map<String, Object>> documents = parse(ServiceRegistry.yaml(BOOKINFO));

    assertThat(documents).extracting(d -> d.get("kind") + " " + name(d)).containsExactly(
        "ServiceEntry productpage", "ServiceEntry details", "ServiceEntry reviews", "ServiceEntry ratings",
        "WorkloadEntry productpage-v1", "WorkloadEntry details-v1", "WorkloadEntry reviews-v1",
        "WorkloadEntry reviews-v2", "WorkloadEntry reviews-v3", "WorkloadEntry ratings-v1");
    assertThat(spec(documents.get(2))).isEqualTo(Map.of(
        "hosts", List.of("reviews.default.svc.cluster.local"),
        "ports", List.of(Map.of("number", 9080, "name", "http", "protocol", "HTTP")),
        "location", "MESH_INTERNAL",
        "resolution", "STATIC",
        "workloadSelector", Map.of("labels", Map.of("app", "reviews"))));
    assertThat(spec(documents.get(7))).isEqualTo(Map.of(
        "address", "127.0.0.1",
        "ports", Map.of("http", 41004),
        "labels", Map.of("app", "reviews", "version", "v2"),
        "serviceAccount", "bookinfo-reviews"));
  }

  @Test
  void theLocalControlPlaneAcceptsTheRegistration(@TempDir Path config) throws Exception {
    ConfigFile registration = ServiceRegistry.file(BOOKINFO);
    Files.write(config.resolve(registration.name()), registration.content());

    try (LocalControlPlane controlPlane = LocalControlPlane.start(config, 0)) {
      assertThat(controlPlane.diagnostics()).filteredOn(Diagnostic::isError).isEmpty();
      assertThat(controlPlane.published().files()).containsExactly(ServiceRegistry.FILE_NAME);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> parse(String yaml) {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : new Yaml().loadAll(yaml)) {
      if (document != null) {
        documents.add((Map<String, Object>) document);
      }
    }
    return documents;
  }

  @SuppressWarnings("unchecked")
  private static Object name(Map<String, Object> document) {
    return ((Map<String, Object>) document.get("metadata")).get("name");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(Map<String, Object> document) {
    return (Map<String, Object>) document.get("spec");
  }
}
