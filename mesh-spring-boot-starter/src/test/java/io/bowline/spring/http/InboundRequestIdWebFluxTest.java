package io.bowline.spring.http;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * A WebFlux request's {@code x-request-id} and {@code traceparent} reach the routed outbound call
 * (WebClient) made while serving it, though no one thread serves the request throughout.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "spring.application.name=productpage", "spring.main.web-application-type=reactive"})
@DirtiesContext
class InboundRequestIdWebFluxTest extends InboundRelay {

  @RestController
  static class Frontend {
    private final WebClient reviews;

    Frontend(WebClient.Builder builder) {
      this.reviews = builder.build();
    }

    @GetMapping("/page")
    Mono<String> page() {
      return reviews.get().uri(REVIEWS_URL).retrieve().toEntity(String.class).map(r -> r.getHeaders().getFirst("x-seen-headers"));
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
}
