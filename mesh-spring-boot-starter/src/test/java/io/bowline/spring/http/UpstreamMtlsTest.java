package io.bowline.spring.http;

import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.tls.MeshPki;
import io.bowline.runtime.tls.MtlsUpstreams;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpHeaders;

/**
 * Spring's clients originate the cluster's TLS (istiod's ISTIO_MUTUAL {@code UpstreamTlsContext})
 * through {@link MeshHttpTransport}: the upstream sees the workload's SPIFFE ID, and an endpoint that
 * does not speak TLS gets a ClientHello, never the request in plaintext, and the caller 503 {@code UF}.
 */
class UpstreamMtlsTest {
  private static final String SVC = "reviews.default.svc.cluster.local";
  private static final String CLUSTER = "outbound|9080||" + SVC;

  @TempDir Path certs;
  private final MeshPki pki = new MeshPki();
  private XdsTestServer xds;
  private MeshClient mesh;
  private MeshHttpTransport transport;

  @BeforeEach
  void start() throws Exception {
    MeshPki.write(certs, pki.issue("productpage"));
    xds = new XdsTestServer();
  }

  @AfterEach
  void stop() throws Exception {
    if (transport != null) {
      transport.close();
    }
    if (mesh != null) {
      mesh.close();
    }
    xds.close();
  }

  /** A GET of {@code reviews}, whose one endpoint is {@code port} under ISTIO_MUTUAL. */
  private BufferedResponse getReviewsAt(int port) throws Exception {
    xds.set(Snapshot.create(List.of(MtlsUpstreams.istioMutualCluster(CLUSTER)), List.of(endpoints(CLUSTER, port)),
        List.of(listener(SVC, 9080)), List.of(routes(SVC, 9080, toCluster(prefix(""), CLUSTER))), List.of(), "1"));
    mesh = MeshClient.builder().bootstrapJson(MeshPki.bootstrap(xds.address(), certs, "600s")).build();
    mesh.awaitReady(Duration.ofSeconds(20));
    transport = new MeshHttpTransport(mesh);
    return transport.exchange(new BufferedRequest("GET", URI.create("http://reviews:9080/reviews/0"), new HttpHeaders(),
        new byte[0])).get(30, TimeUnit.SECONDS);
  }

  @Test
  void anIstioMutualClusterIsCalledOverMutualTlsWithTheWorkloadIdentity() throws Exception {
    try (MtlsUpstreams.Server reviews = new MtlsUpstreams.Server(pki, "reviews", "reviews")) {
      BufferedResponse r = getReviewsAt(reviews.port());
      assertThat(r.status()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
      assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("reviews");
      assertThat(reviews.callerId.get(5, TimeUnit.SECONDS)).as("the client identity the upstream saw")
          .isEqualTo("spiffe://cluster.local/ns/default/sa/productpage");
    }
  }

  @Test
  void anEndpointThatDoesNotSpeakTlsGetsAClientHelloNotTheRequestAndTheCallerUf() throws Exception {
    try (MtlsUpstreams.FirstByte plaintext = new MtlsUpstreams.FirstByte()) {
      BufferedResponse r = getReviewsAt(plaintext.port());
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.headers().getFirst(MeshHttpTransport.RESPONSE_FLAGS_HEADER)).contains("UF");
      assertThat(plaintext.first.get(5, TimeUnit.SECONDS)).as("first byte the endpoint received")
          .isEqualTo(MtlsUpstreams.TLS_HANDSHAKE);
    }
  }
}
