package io.bowline.runtime.tls;

import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.adapter.okhttp.MeshInterceptor;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.tls.LocalCa;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The local CA is the implicit {@code default} certificate provider instance: a client built with only
 * {@code xdsServer(...)} ACKs istiod's ISTIO_MUTUAL context (instance {@code default}, certificates {@code default}
 * and {@code ROOTCA}) instead of NACKing it, and while no local CA is published under the Bowline home (this
 * module's tests never start one) a call answers 503 {@code UF} naming what is missing once the cluster has warmed
 * for the initial fetch timeout; nothing reaches the endpoint.
 */
class LocalCaDefaultProviderTest {
  private static final String SVC = "reviews.default.svc.cluster.local";
  private static final String CLUSTER = "outbound|9080||" + SVC;

  private XdsTestServer xds;
  private MeshClient mesh;

  @BeforeEach
  void start() throws Exception {
    xds = new XdsTestServer();
  }

  @AfterEach
  void stop() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    xds.close();
  }

  @Test
  void withNoLocalCaPublishedAnIstioMutualClusterIsAckedAndAnswers503UfNamingTheMissingCa() throws Exception {
    LocalCa local = LocalCa.forCurrentUser();
    assumeThat(Files.exists(local.addressFile())).as("a local CA is published in " + local.directory()).isFalse();
    AtomicInteger accepted = new AtomicInteger();
    try (ServerSocket endpoint = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            endpoint.accept().close();
            accepted.incrementAndGet();
          }
        } catch (java.io.IOException closed) {
          // the socket closed at the end of the test
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      xds.set(Snapshot.create(
          List.of(UpstreamMtlsTest.tlsCluster(UpstreamMtlsTest.istioMutual(List.of(), ""))),
          List.of(endpoints(CLUSTER, endpoint.getLocalPort())), List.of(listener(SVC, 9080)),
          List.of(routes(SVC, 9080, toCluster(prefix(""), CLUSTER))), List.of(), "1"));
      // the cluster warms until its certificate arrives, for at most the initial fetch timeout (1 s here): then UF
      mesh = MeshClient.builder().workload("productpage", "default").xdsServer(xds.address())
          .initialFetchTimeout(Duration.ofSeconds(1)).build();
      mesh.awaitReady(Duration.ofSeconds(30));
      await().atMost(Duration.ofSeconds(10)).until(() -> mesh.status().versionOf(
          "type.googleapis.com/envoy.config.cluster.v3.Cluster").equals("1"));
      assertThat(mesh.status().resources()).extracting(ClientStatus.Resource::state)
          .doesNotContain(ClientStatus.State.NACKED);
      OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
          assertThat(r.code()).isEqualTo(503);
          assertThat(r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER)).isEqualTo("UF");
          assertThat(r.body().string()).contains("TLS is not ready for cluster " + CLUSTER)
              .contains("no local CA is published in " + local.directory())
              .contains("start `bowline-control-plane serve` as this user");
        }
      });
      assertThat(accepted.get()).as("connections to the endpoint: nothing in plaintext").isZero();
    }
  }
}
