package io.bowline.spring.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.spring.test.BowlineControlPlaneExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What the inbound tests share: a reviews backend routed by the local control plane, and the check
 * that a request to the application's {@code /page} (which calls reviews while serving it) passes
 * its {@code x-request-id} and {@code traceparent} on to the routed call, as a sidecar relays them.
 * Each subclass is an application (MVC, WebFlux) whose {@code /page} answers the backend's
 * {@code x-seen-headers}.
 */
abstract class InboundRelay {
  static final String REVIEWS_URL = "http://reviews.default.svc.cluster.local:9080/reviews/1";
  private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @RegisterExtension
  static BowlineControlPlaneExtension controlPlane = BowlineControlPlaneExtension.empty();

  static Backends backends;

  @DynamicPropertySource
  static void bowline(DynamicPropertyRegistry registry) {
    controlPlane.register(registry);
  }

  @BeforeAll
  static void startBackends() throws Exception {
    backends = new Backends();
    int v1 = backends.start("v1");
    controlPlane.apply("00-reviews.yaml", Backends.reviews(v1, v1));
  }

  @AfterAll
  static void stopBackends() {
    backends.close();
  }

  @LocalServerPort int port;
  @Autowired MeshClient mesh;

  @Test
  void theInboundRequestIdAndTraceContextReachTheOutboundCall() throws Exception {
    controlPlane.awaitConfiguration(mesh, Duration.ofSeconds(20));
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/page"))
        .header("x-request-id", "req-42").header("traceparent", TRACEPARENT).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("x-request-id=req-42", "traceparent=" + TRACEPARENT);
  }
}
