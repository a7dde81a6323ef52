package io.bowline.spring.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.MeshClient;
import io.bowline.spring.test.BowlineControlPlaneExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Over HTTP on a real port: the {@code bowline} health indicator is UP once the configuration is
 * in, DOWN while the control plane is stopped past the initial fetch, UP again when it returns; the
 * readiness group carries it; {@code /actuator/bowline} shows the config dump and the clusters.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "spring.application.name=frontend",
    "management.endpoints.web.exposure.include=health,bowline",
    "management.endpoint.health.show-details=always",
    "management.endpoint.health.probes.enabled=true"})
@DirtiesContext
class MeshHealthOverHttpTest {
  private static final Duration CHANGE = Duration.ofSeconds(30);

  @RegisterExtension
  static BowlineControlPlaneExtension controlPlane = BowlineControlPlaneExtension.empty();

  @DynamicPropertySource
  static void bowline(DynamicPropertyRegistry registry) {
    controlPlane.register(registry);
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {}

  @LocalServerPort int port;
  @Autowired MeshClient mesh;
  @Autowired ApplicationAvailability availability;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthIsDownWhileTheControlPlaneIsStoppedAndUpWhenItReturns() throws Exception {
    controlPlane.apply("00-services.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews, namespace: default}
        spec:
          hosts: [reviews.default.svc.cluster.local]
          ports: [{number: 9080, name: http, protocol: HTTP}]
          location: MESH_INTERNAL
          resolution: STATIC
          endpoints: [{address: 127.0.0.1, ports: {http: 9}}]
        """);
    controlPlane.awaitConfiguration(mesh, CHANGE);
    await().atMost(CHANGE).untilAsserted(() -> assertThat(get("/actuator/health/bowline").body()).contains("\"status\":\"UP\""));
    assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
    HttpResponse<String> readiness = get("/actuator/health/readiness");
    assertThat(readiness.statusCode()).isEqualTo(200);

    String dump = get("/actuator/bowline").body();
    assertThat(dump).contains("\"name\":\"frontend\"", "\"connected\":true", "\"state\":\"ACKED\"",
        "outbound|9080||reviews.default.svc.cluster.local", "127.0.0.1:9");

    controlPlane.stop();
    await().atMost(CHANGE).untilAsserted(() -> {
      HttpResponse<String> r = get("/actuator/health/bowline");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).contains("\"status\":\"DOWN\"", "xDS stream not connected");
    });

    controlPlane.restart();
    await().atMost(CHANGE).untilAsserted(() -> assertThat(get("/actuator/health/bowline").statusCode()).isEqualTo(200));
  }
}
