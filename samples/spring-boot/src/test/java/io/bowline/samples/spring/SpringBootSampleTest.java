package io.bowline.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sample as a user runs it, checked over HTTP: the frontend's RestClient and
 * {@code @HttpExchange} client follow the VirtualService (header route, fault abort, canary split);
 * Actuator's {@code /actuator/bowline} and {@code bowline} health answer; reviews serves mutual TLS only
 * (PeerAuthentication STRICT, SVIDs from the local CA) and its AuthorizationPolicy DENY answers 403; the health goes DOWN when
 * the control plane stops after the first configuration and UP when it returns; closing the sample
 * leaves no Bowline thread. One sample serves the four tests, in order (the last closes it).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpringBootSampleTest {
  private static final Duration CONVERGENCE = Duration.ofSeconds(20);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static List<String> threadsBefore;
  private static SpringBootDemo demo;

  /** One sample for the class: it boots three Spring applications and a control plane, slow on a loaded machine. */
  @BeforeAll
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  static void start() throws Exception {
    threadsBefore = bowlineThreads();
    demo = SpringBootDemo.start(0);
    await().atMost(CONVERGENCE).untilAsserted(() -> assertThat(get("/actuator/health/readiness", Map.of()).statusCode()).isEqualTo(200));
  }

  @AfterAll
  static void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  private static HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demo.frontendPort() + path));
    headers.forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private Map<String, Object> json(String path, Map<String, String> headers) throws Exception {
    HttpResponse<String> r = get(path, headers);
    return JSON.readValue(r.body(), Map.class);
  }

  private String health() throws Exception {
    return (String) json("/actuator/health/bowline", Map.of()).get("status");
  }

  @Test
  @Order(1)
  void theFrontendFollowsTheVirtualServiceAndActuatorShowsTheMesh() throws Exception {
    assertThat(json("/productpage", Map.of("end-user", "jason"))).containsEntry("reviews", "v2");
    assertThat(json("/productpage", Map.of("x-fault", "abort")))
        .containsEntry("reviews", "unavailable").containsEntry("status", 503).containsEntry("responseFlags", "FI");
    int n = 400;
    double p = 0.2;
    double sigma = Math.sqrt(n * p * (1 - p));
    Map<String, Object> split = json("/split?n=" + n, Map.of());
    assertThat(((Number) split.getOrDefault("v1", 0)).intValue() + ((Number) split.getOrDefault("v2", 0)).intValue()).isEqualTo(n);
    assertThat(((Number) split.getOrDefault("v2", 0)).doubleValue()).isBetween(n * p - 4.5 * sigma, n * p + 4.5 * sigma);

    HttpResponse<String> endpoint = get("/actuator/bowline", Map.of());
    assertThat(endpoint.statusCode()).isEqualTo(200);
    assertThat(endpoint.body()).contains("reviews.default.svc.cluster.local");
    assertThat(health()).isEqualTo("UP");
  }

  @Test
  @Order(2)
  void reviewsServesMutualTlsOnlyAndItsDenyPolicyAnswers403() throws Exception {
    assertThat(json("/productpage", Map.of("end-user", "jason")))
        .as("reviews saw the frontend's SVID, from the local CA over auto mTLS")
        .containsEntry("reviews", "v2").containsEntry("reviewsSawCaller", "spiffe://cluster.local/ns/default/sa/default");
    assertThat(json("/internal", Map.of())).containsEntry("status", 403).containsEntry("body", "RBAC: access denied");
    for (String version : List.of("v1", "v2")) {
      HttpResponse<String> plaintext = null;
      try {
        plaintext = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demo.reviewsPort(version)
            + "/reviews/0")).build(), HttpResponse.BodyHandlers.ofString());
      } catch (java.io.IOException refused) {
        // the TLS port closed the plaintext connection
      }
      if (plaintext != null) {
        assertThat(plaintext.statusCode()).as("plaintext to reviews " + version).isEqualTo(400);
        assertThat(plaintext.body()).doesNotContain(version);
      }
    }
  }

  @Test
  @Order(3)
  void theHealthGoesDownWhileTheControlPlaneIsAwayAndUpWhenItReturns() throws Exception {
    assertThat(health()).isEqualTo("UP");
    demo.stopControlPlane();
    await().atMost(CONVERGENCE).untilAsserted(() -> assertThat(health()).isEqualTo("DOWN"));
    assertThat(get("/actuator/health/readiness", Map.of()).statusCode()).isEqualTo(503);
    // the last configuration keeps routing
    assertThat(json("/productpage", Map.of("end-user", "jason"))).containsEntry("reviews", "v2");

    demo.restartControlPlane();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(health()).isEqualTo("UP"));
  }

  @Test
  @Order(4)
  void closingTheSampleLeavesNoBowlineThread() {
    assertThat(bowlineThreads()).as("the sample's mesh client runs").isNotEqualTo(threadsBefore);
    demo.close();
    demo = null;
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(threadsBefore).containsAll(bowlineThreads()));
  }

  private static List<String> bowlineThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(name -> name.startsWith("bowline")).toList();
  }
}
