package io.bowline.spring.http;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * An MVC request's {@code x-request-id} and {@code traceparent} reach the routed outbound call
 * (RestClient) made while serving it, as a sidecar relays them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "spring.application.name=productpage")
@DirtiesContext
class InboundRequestIdTest extends InboundRelay {

  @RestController
  static class Frontend {
    private final RestClient reviews;

    Frontend(RestClient.Builder builder) {
      this.reviews = builder.build();
    }

    @GetMapping("/page")
    String page() {
      return reviews.get().uri(REVIEWS_URL).retrieve().toEntity(String.class).getHeaders().getFirst("x-seen-headers");
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {
    @Bean
    Frontend frontend(RestClient.Builder builder) {
      return new Frontend(builder);
    }
  }
}
