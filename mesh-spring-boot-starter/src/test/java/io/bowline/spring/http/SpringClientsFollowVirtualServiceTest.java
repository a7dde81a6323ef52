package io.bowline.spring.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import feign.FeignException;
import io.bowline.api.MeshClient;
import io.bowline.spring.test.BowlineControlPlaneExtension;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.openfeign.EnableFeignClients;
import org.springframework.cloud.openfeign.FeignClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.service.annotation.PostExchange;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * RestClient, RestTemplate, WebClient and an {@code @HttpExchange} interface, each from Boot's
 * auto-configured builders, and an OpenFeign client follow a VirtualService changed live on the local control plane:
 * all to v1, a weighted split (within 4.5 sigma), a header route and a fault abort; each call is
 * counted in {@code istio_requests_total} as the application's {@code /actuator/prometheus} shows it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "spring.application.name=productpage", "management.endpoints.web.exposure.include=prometheus"})
@DirtiesContext
class SpringClientsFollowVirtualServiceTest {
  private static final String URL = "http://reviews.default.svc.cluster.local:9080/reviews/1";
  private static final Duration CONVERGENCE = Duration.ofSeconds(20);

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
    int v2 = backends.start("v2");
    controlPlane.apply("00-reviews.yaml", Backends.reviews(v1, v2));
    controlPlane.apply("reviews-vs.yaml", Backends.virtualService(Backends.allToV1("reviews")));
  }

  @AfterAll
  static void stopBackends() {
    backends.close();
  }

  /** What each client saw: status, body, response flags. */
  record Seen(int status, String body, String flags) {}

  /** An {@code @HttpExchange} interface. */
  interface Reviews {
    @PostExchange(URL)
    ResponseEntity<String> post(@RequestHeader("end-user") String user, @RequestBody String body);
  }

  /** An OpenFeign client. */
  @FeignClient(name = "reviews", url = "http://reviews.default.svc.cluster.local:9080")
  interface ReviewsFeign {
    @GetMapping("/reviews/1")
    ResponseEntity<String> get(@RequestHeader("end-user") String user);
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @EnableFeignClients(clients = ReviewsFeign.class)
  static class App {
    @Bean
    RestClient restClient(RestClient.Builder builder) {
      return builder.build();
    }

    @Bean
    RestTemplate restTemplate(RestTemplateBuilder builder) {
      return builder.build();
    }

    @Bean
    WebClient webClient(WebClient.Builder builder) {
      return builder.build();
    }

    @Bean
    Reviews reviews(RestClient restClient) {
      return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(restClient)).build().createClient(Reviews.class);
    }
  }

  @LocalServerPort int port;
  @Autowired MeshClient mesh;
  @Autowired RestClient restClient;
  @Autowired RestTemplate restTemplate;
  @Autowired WebClient webClient;
  @Autowired Reviews reviews;
  @Autowired ReviewsFeign reviewsFeign;

  private Seen viaRestClient(String user) {
    return restClient.get().uri(URL).header("end-user", user).exchange((req, res) -> new Seen(res.getStatusCode().value(),
        new String(res.getBody().readAllBytes()), flags(res.getHeaders().getFirst(MeshHttpTransport.RESPONSE_FLAGS_HEADER))));
  }

  private Seen viaRestTemplate(String user) {
    try {
      return restTemplate.execute(URL, org.springframework.http.HttpMethod.GET, req -> req.getHeaders().set("end-user", user),
        res -> new Seen(res.getStatusCode().value(), new String(res.getBody().readAllBytes()),
            flags(res.getHeaders().getFirst(MeshHttpTransport.RESPONSE_FLAGS_HEADER))));
    } catch (org.springframework.web.client.RestClientResponseException e) {
      return failed(e);
    }
  }

  private static Seen failed(org.springframework.web.client.RestClientResponseException e) {
    return new Seen(e.getStatusCode().value(), e.getResponseBodyAsString(),
        flags(e.getResponseHeaders() == null ? null : e.getResponseHeaders().getFirst(MeshHttpTransport.RESPONSE_FLAGS_HEADER)));
  }

  private Seen viaWebClient(String user) {
    return webClient.get().uri(URL).header("end-user", user)
        .exchangeToMono(res -> res.bodyToMono(String.class).defaultIfEmpty("").map(body -> new Seen(res.statusCode().value(),
            body, flags(res.headers().asHttpHeaders().getFirst(MeshHttpTransport.RESPONSE_FLAGS_HEADER)))))
        .block(Duration.ofSeconds(10));
  }

  private Seen viaHttpExchange(String user) {
    try {
      ResponseEntity<String> r = reviews.post(user, "a body the router may have to replay");
      return new Seen(r.getStatusCode().value(), r.getBody(),
          flags(r.getHeaders().getFirst(MeshHttpTransport.RESPONSE_FLAGS_HEADER)));
    } catch (org.springframework.web.client.RestClientResponseException e) {
      return failed(e);
    }
  }

  private Seen viaOpenFeign(String user) {
    try {
      ResponseEntity<String> r = reviewsFeign.get(user);
      return new Seen(r.getStatusCode().value(), r.getBody(), flags(r.getHeaders().getFirst(MeshHttpTransport.RESPONSE_FLAGS_HEADER)));
    } catch (FeignException e) {
      return new Seen(e.status(), e.contentUTF8(), flags(e.responseHeaders().getOrDefault(MeshHttpTransport.RESPONSE_FLAGS_HEADER,
          java.util.List.of()).stream().findFirst().orElse(null)));
    }
  }

  private static String flags(String header) {
    return header == null ? "" : header;
  }

  /** The application's {@code istio_requests_total} for reviews with {@code response_code} and {@code response_flags}. */
  private double istioRequests(String code, String flags) {
    return PrometheusScrape.istioRequests(port, Map.of("source_workload", "productpage", "destination_service_name", "reviews",
        "response_code", code, "response_flags", flags));
  }

  /** Calls {@code client} once and checks that the call shows up in {@code istio_requests_total}. */
  private Seen counted(Function<String, Seen> client, String user, String code, String flags) {
    double before = istioRequests(code, flags);
    Seen seen = client.apply(user);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(istioRequests(code, flags)).isEqualTo(before + 1));
    return seen;
  }

  private java.util.List<Function<String, Seen>> clients() {
    return java.util.List.of(this::viaRestClient, this::viaRestTemplate, this::viaWebClient, this::viaHttpExchange,
        this::viaOpenFeign);
  }

  private void push(String http) throws Exception {
    controlPlane.apply("reviews-vs.yaml", Backends.virtualService(http));
    controlPlane.awaitConfiguration(mesh, CONVERGENCE);
  }

  @Test
  void everyClientFollowsEachVirtualServiceChange() throws Exception {
    controlPlane.awaitConfiguration(mesh, CONVERGENCE);
    for (Function<String, Seen> client : clients()) {
      assertThat(counted(client, "anyone", "200", "-")).isEqualTo(new Seen(200, "v1", ""));
    }
    // the endpoint is called at its own address, with the Host the application asked for
    assertThat(restClient.post().uri(URL).body("twelve bytes").retrieve().toBodilessEntity().getHeaders())
        .satisfies(h -> assertThat(h.getFirst("x-seen-host")).isEqualTo("reviews.default.svc.cluster.local:9080"))
        .satisfies(h -> assertThat(h.getFirst("x-seen-body")).isEqualTo("12"));

    push(Backends.split("reviews", 30, 70));
    for (Function<String, Seen> client : clients()) {
      Backends.assertV2Share(400, 0.7, () -> {
        Seen s = client.apply("anyone");
        assertThat(s.status()).isEqualTo(200);
        return s.body().equals("v2");
      });
    }

    push(Backends.jasonToV2("reviews"));
    for (Function<String, Seen> client : clients()) {
      assertThat(client.apply("jason").body()).isEqualTo("v2");
      assertThat(client.apply("anyone").body()).isEqualTo("v1");
    }

    push(Backends.abortAll("reviews"));
    for (Function<String, Seen> client : clients()) {
      Seen s = counted(client, "anyone", "503", "FI");
      assertThat(s.status()).isEqualTo(503);
      assertThat(s.flags()).isEqualTo("FI");
    }
  }
}
