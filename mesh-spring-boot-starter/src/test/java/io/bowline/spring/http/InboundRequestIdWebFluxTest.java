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
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * A WebFlux request's {@code x-request-id} and {@code traceparent} reach the routed outbound call
 * (WebClient) made while serving it, though no thread serves the request throughout.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "spring.application.name=productpage", "spring.main.web-application-type=reactive"})
@DirtiesContext
class InboundRequestIdWebFluxTest {
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

  @RestController
  static class Frontend {
    private final WebClient reviews;

    Frontend(WebClient.Builder builder) {
      this.reviews = builder.build();
    }

    @GetMapping("/page")
    Mono<String> page() {
      return reviews.get().uri("http://reviews.default.svc.cluster.local:9080/reviews/1").retrieve()
          .toEntity(String.class).map(r -> r.getHeaders().getFirst("x-seen-headers"));
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {
    @Bean
    Frontend frontend(WebClient.Builder builder) {
      return new Frontend(builder);
    }
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
