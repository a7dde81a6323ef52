package io.bowline.proxy.outbound;

import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.proxy.BowlineProxy;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.tls.MeshPki;
import io.bowline.runtime.tls.MtlsUpstreams;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy originates the cluster's TLS (istiod's ISTIO_MUTUAL {@code UpstreamTlsContext}): the
 * upstream sees the workload's SPIFFE ID, and an endpoint that does not speak TLS gets a TLS
 * ClientHello, never the request in plaintext, and the caller 503 {@code UF}.
 */
class ProxyUpstreamMtlsTest {
  private static final String SVC = "reviews.default.svc.cluster.local";
  private static final String CLUSTER = "outbound|9080||" + SVC;

  @TempDir Path certs;
  private final MeshPki pki = new MeshPki();
  private XdsTestServer xds;
  private MeshClient mesh;
  private BowlineProxy proxy;

  @BeforeEach
  void start() throws Exception {
    MeshPki.write(certs, pki.issue("productpage"));
    xds = new XdsTestServer();
  }

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (mesh != null) {
      mesh.close();
    }
    xds.close();
  }

  /** curl through the proxy to {@code reviews}, whose one endpoint is {@code port} under ISTIO_MUTUAL. */
  private String curlReviewsAt(int port) throws Exception {
    xds.set(Snapshot.create(List.of(MtlsUpstreams.istioMutualCluster(CLUSTER)), List.of(endpoints(CLUSTER, port)),
        List.of(listener(SVC, 9080)), List.of(routes(SVC, 9080, toCluster(prefix(""), CLUSTER))), List.of(), "1"));
    mesh = MeshClient.builder().bootstrapJson(MeshPki.bootstrap(xds.address(), certs, "600s")).build();
    mesh.awaitReady(Duration.ofSeconds(20));
    proxy = BowlineProxy.builder().mesh(mesh).outbound(0).threads(1).start();
    return Clients.run(List.of("curl", "-s", "-S", "--max-time", "20", "-D", "-", "--noproxy", "",
        "-x", "http://127.0.0.1:" + proxy.outboundPort(), "http://reviews:9080/reviews/0"));
  }

  @Test
  void anIstioMutualClusterIsCalledOverMutualTlsWithTheWorkloadIdentity() throws Exception {
    try (MtlsUpstreams.Server reviews = new MtlsUpstreams.Server(pki, "reviews", "reviews")) {
      String out = curlReviewsAt(reviews.port());
      assertThat(out).startsWith("HTTP/1.1 200").endsWith("reviews");
      assertThat(reviews.callerId.get(5, TimeUnit.SECONDS)).as("the client identity the upstream saw")
          .isEqualTo("spiffe://cluster.local/ns/default/sa/productpage");
    }
  }

  @Test
  void anEndpointThatDoesNotSpeakTlsGetsAClientHelloNotTheRequestAndTheCallerUf() throws Exception {
    try (MtlsUpstreams.FirstByte plaintext = new MtlsUpstreams.FirstByte()) {
      String out = curlReviewsAt(plaintext.port());
      assertThat(out).startsWith("HTTP/1.1 503");
      assertThat(out).containsPattern("(?i)x-bowline-response-flags: UF");
      assertThat(plaintext.first.get(5, TimeUnit.SECONDS)).as("first byte the endpoint received")
          .isEqualTo(MtlsUpstreams.TLS_HANDSHAKE);
    }
  }
}
