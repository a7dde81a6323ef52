package io.bowline.samples.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * The frontend, a Boot application on the mesh through the starter: its {@code RestClient} and its
 * {@code @HttpExchange} client of reviews are routed by the VirtualService the local control plane
 * serves. {@code GET /productpage} calls reviews once (through {@link ReviewsClient}, passing
 * {@code end-user} and {@code x-fault} on); {@code GET /split?n=100} calls it {@code n} times with
 * the {@code RestClient} and counts the versions that answered; {@code GET /internal} calls reviews'
 * {@code /internal/stats}, which an AuthorizationPolicy denies (403 {@code RBAC: access denied}). Calls to reviews
 * are mutual TLS (auto mTLS to its STRICT workloads) with the frontend's SVID. Actuator shows the mesh:
 * {@code /actuator/bowline} and {@code /actuator/health} (with the {@code bowline} indicator in the
 * readiness group).
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import(FrontendApplication.ProductPage.class)
public class FrontendApplication {
  static final String REVIEWS = "http://reviews.default.svc.cluster.local:9080";

  /** reviews as an {@code @HttpExchange} interface. */
  public interface ReviewsClient {
    @GetExchange("/reviews/{id}")
    Review review(@PathVariable("id") int id, @RequestHeader(name = "end-user", required = false) String user,
        @RequestHeader(name = "x-fault", required = false) String fault);
  }

  @Bean
  RestClient reviewsRestClient(RestClient.Builder builder) {
    return builder.baseUrl(REVIEWS).build();
  }

  @Bean
  ReviewsClient reviewsClient(RestClient reviewsRestClient) {
    return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(reviewsRestClient)).build().createClient(ReviewsClient.class);
  }

  /** The frontend's pages. */
  @RestController
  static class ProductPage {
    private final ReviewsClient reviews;
    private final RestClient restClient;

    ProductPage(ReviewsClient reviews, RestClient reviewsRestClient) {
      this.reviews = reviews;
      this.restClient = reviewsRestClient;
    }

    @GetMapping("/productpage")
    Map<String, Object> productPage(@RequestHeader(name = "end-user", required = false) String user,
        @RequestHeader(name = "x-fault", required = false) String fault) {
      Map<String, Object> page = new LinkedHashMap<>();
      page.put("product", "The Comedy of Errors");
      try {
        Review review = reviews.review(0, user, fault);
        page.put("reviews", review.version());
        page.put("reviewsSawCaller", review.caller());
      } catch (RestClientResponseException e) {
        page.put("reviews", "unavailable");
        page.put("status", e.getStatusCode().value());
        String flags = e.getResponseHeaders() == null ? null : e.getResponseHeaders().getFirst("x-bowline-response-flags");
        page.put("responseFlags", flags == null ? "" : flags);
      }
      return page;
    }

    /** Calls reviews' {@code /internal/stats}, which the mesh denies: answers reviews' status and body. */
    @GetMapping("/internal")
    Map<String, Object> internal() {
      Map<String, Object> page = new LinkedHashMap<>();
      try {
        page.put("body", restClient.get().uri("/internal/stats").retrieve().body(String.class));
        page.put("status", 200);
      } catch (RestClientResponseException e) {
        page.put("status", e.getStatusCode().value());
        page.put("body", e.getResponseBodyAsString());
      }
      return page;
    }

    @GetMapping("/split")
    Map<String, Integer> split(@RequestParam(name = "n", defaultValue = "100") int n) {
      Map<String, Integer> versions = new TreeMap<>();
      for (int i = 0; i < Math.min(n, 10_000); i++) {
        Review r = restClient.get().uri("/reviews/{id}", i).retrieve().body(Review.class);
        versions.merge(r == null ? "none" : r.version(), 1, Integer::sum);
      }
      return versions;
    }
  }

  /**
   * Starts the frontend on {@code port} (0: a free one), on the mesh served at {@code xdsServer}.
   * Actuator exposes {@code health} (details shown, {@code bowline} in the readiness group) and
   * {@code bowline}.
   */
  static ConfigurableApplicationContext start(int port, String xdsServer) {
    return new SpringApplicationBuilder(FrontendApplication.class).properties(
        "spring.application.name=productpage", "server.address=127.0.0.1", "server.port=" + port,
        "bowline.xds.servers=" + xdsServer, "spring.main.banner-mode=off",
        "management.endpoints.web.exposure.include=health,bowline", "management.endpoint.health.show-details=always",
        "management.endpoint.health.probes.enabled=true",
        "management.endpoint.health.group.readiness.include=readinessState,bowline").run();
  }
}
