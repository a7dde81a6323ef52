package io.bowline.spring.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.bowline.api.MeshClient;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.inbound.InboundMode;
import io.bowline.spring.test.BowlineControlPlaneExtension;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.search.Search;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What the MVC and WebFlux inbound tests share: the application under test is reviews (labels {@code app: reviews},
 * Istio's {@code security.istio.io/tlsMode: istio}) serving the {@code bowline} SSL bundle on its port; the local
 * control plane serves it as a mesh service behind PeerAuthentication STRICT and an AuthorizationPolicy that denies
 * {@code /admin*}; the peer is a second mesh client (productpage) calling it by service name with Bowline's OkHttp
 * adapter, over auto-mTLS with its own SVID from the local CA. Each subclass is an application whose
 * {@code GET /whoami} answers the client certificate's SPIFFE ID it saw, and {@code /admin} answers 200.
 */
abstract class ServedOverMeshMtls {
  static final String PEER = "spiffe://cluster.local/ns/default/sa/default";
  static final String REVIEWS = "http://reviews.default.svc.cluster.local:9080";

  @RegisterExtension
  static BowlineControlPlaneExtension controlPlane = BowlineControlPlaneExtension.empty();

  static MeshClient productpage;
  static OkHttpClient http;

  @DynamicPropertySource
  static void bowline(DynamicPropertyRegistry registry) {
    controlPlane.register(registry);
    registry.add("spring.application.name", () -> "reviews");
    registry.add("bowline.labels.app", () -> "reviews");
    registry.add("bowline.labels.version", () -> "v1");
    registry.add("bowline.labels[security.istio.io/tlsMode]", () -> "istio");
    registry.add("server.address", () -> "127.0.0.1");
    registry.add("server.ssl.bundle", () -> "bowline");
  }

  @AfterAll
  static void closePeer() {
    if (productpage != null) {
      productpage.close();
      productpage = null;
    }
  }

  @LocalServerPort int port;
  @Autowired MeshClient mesh;

  @BeforeEach
  void meshServesThisPortStrict() throws Exception {
    controlPlane.apply("reviews.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews, namespace: default}
        spec:
          hosts: [reviews.default.svc.cluster.local]
          ports: [{number: 9080, name: http, protocol: HTTP}]
          location: MESH_INTERNAL
          resolution: STATIC
          workloadSelector: {labels: {app: reviews}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: reviews-v1, namespace: default}
        spec:
          address: 127.0.0.1
          ports: {http: %d}
          serviceAccount: default
          labels: {app: reviews, version: v1, security.istio.io/tlsMode: istio}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: default}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-admin, namespace: default}
        spec:
          selector: {matchLabels: {app: reviews}}
          action: DENY
          rules: [{to: [{operation: {paths: ["/admin*"]}}]}]
        """.formatted(port));
    RuntimeMeshClient runtime = RuntimeMeshClient.of(mesh);
    assertThat(runtime.serverListeners().awaitListener(port, Duration.ofSeconds(30))).as("server listener").isTrue();
    await().atMost(Duration.ofSeconds(30)).until(() -> runtime.serverListeners().port(port).mode() == InboundMode.STRICT);
    if (productpage == null) {
      productpage = MeshClient.builder().workload("productpage", "default").label("app", "productpage")
          .xdsServer(controlPlane.xdsServer()).build();
      http = BowlineOkHttp.install(productpage, new OkHttpClient.Builder().readTimeout(30, TimeUnit.SECONDS)).build();
    }
    controlPlane.awaitConfiguration(productpage, Duration.ofSeconds(30));
  }

  private static Response get(String path) throws IOException {
    return http.newCall(new Request.Builder().url(REVIEWS + path).build()).execute();
  }

  @Test
  void aMeshPeerIsServedOverMutualTlsWithItsSpiffeIdAndCounted() throws Exception {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      try (Response r = get("/whoami")) {
        assertThat(r.code()).as(r.peekBody(4096).string()).isEqualTo(200);
        assertThat(r.body().string()).isEqualTo(PEER);
      }
    });
    Search served = search("200").tag("connection_security_policy", "mutual_tls");
    await().atMost(Duration.ofSeconds(10)).until(() -> served.counter() != null && served.counter().count() >= 1);
    Counter requests = served.counter();
    assertThat(requests.getId().getTag("source_principal")).isEqualTo(PEER);
    assertThat(requests.getId().getTag("destination_principal")).isEqualTo(PEER);
    assertThat(requests.getId().getTag("destination_workload")).isEqualTo("reviews");
    assertThat(requests.getId().getTag("destination_app")).isEqualTo("reviews");
    assertThat(requests.getId().getTag("destination_version")).isEqualTo("v1");
    assertThat(requests.getId().getTag("destination_service")).isEqualTo("reviews.default.svc.cluster.local");
    assertThat(requests.getId().getTag("response_flags")).isEqualTo("-");
    RuntimeMeshClient.of(mesh).istioMetrics().flush(); // the stats flush that merges the histograms
    DistributionSummary bytes = search("200").name("istio.response.bytes").summary();
    assertThat(bytes.totalAmount()).as("response bytes").isGreaterThanOrEqualTo(PEER.length());
  }

  @Test
  void aDenyPolicyAnswers403RbacAccessDeniedBeforeTheApplication() throws Exception {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      try (Response r = get("/admin")) {
        assertThat(r.code()).isEqualTo(403);
        assertThat(r.body().string()).isEqualTo("RBAC: access denied");
      }
    });
    Search denied = search("403").tag("response_flags", "RBAC");
    await().atMost(Duration.ofSeconds(10)).until(() -> denied.counter() != null);
    assertThat(denied.counter().getId().getTag("source_principal")).isEqualTo(PEER);
  }

  @Test
  void aClientWithoutACertificateOrInPlaintextIsRefused() throws Exception {
    SSLContext trustAll = SSLContext.getInstance("TLS");
    trustAll.init(null, new TrustManager[] {new TrustAll()}, null);
    HttpClient noCertificate = HttpClient.newBuilder().sslContext(trustAll).build();
    assertThatThrownBy(() -> noCertificate.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
        + "/whoami")).build(), HttpResponse.BodyHandlers.ofString())).as("TLS without a client certificate")
        .isInstanceOf(IOException.class);
    HttpResponse<String> plaintext = null;
    try {
      plaintext = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/whoami")).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException refused) {
      // the TLS port closed the plaintext connection
    }
    if (plaintext != null) {
      assertThat(plaintext.statusCode()).as("plaintext on the TLS port").isEqualTo(400);
      assertThat(plaintext.body()).doesNotContain(PEER);
    }
  }

  private Search search(String code) {
    return RuntimeMeshClient.of(mesh).meterRegistry().find("istio.requests").tag("reporter", "destination")
        .tag("response_code", code);
  }

  /** Accepts any server: the test is about the client certificate the server requires. */
  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("client side only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      // any server
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
