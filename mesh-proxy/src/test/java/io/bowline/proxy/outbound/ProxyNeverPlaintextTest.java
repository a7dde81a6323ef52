package io.bowline.proxy.outbound;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.bowline.api.MeshClient;
import io.bowline.proxy.BowlineProxy;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.tls.MeshPki;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Never plaintext where TLS is configured: the proxy's Netty transport does not originate TLS yet, so
 * a cluster whose {@code transport_socket} asks for ISTIO_MUTUAL is answered by the router with 503
 * {@code UF} and nothing reaches the (plaintext) endpoint.
 */
class ProxyNeverPlaintextTest {
  private static final String SVC = "reviews.default.svc.cluster.local";
  private static final String CLUSTER = "outbound|9080||" + SVC;

  @TempDir Path certs;
  private XdsTestServer xds;
  private ScriptedHttpServer reviews;
  private MeshClient mesh;
  private BowlineProxy proxy;

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (mesh != null) {
      mesh.close();
    }
    if (xds != null) {
      xds.close();
    }
    if (reviews != null) {
      reviews.close();
    }
  }

  @Test
  void aClusterAskingForTlsIsAnsweredUfAndNothingGoesOutInPlaintext() throws Exception {
    MeshPki pki = new MeshPki();
    MeshPki.write(certs, pki.issue("productpage"));
    reviews = new ScriptedHttpServer("reviews");
    xds = new XdsTestServer();
    UpstreamTlsContext istioMutual = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .setTlsCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
            .setInstanceName("default").setCertificateName("default"))
        .setValidationContext(CertificateValidationContext.newBuilder()
            .setCaCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
                .setInstanceName("default").setCertificateName("ROOTCA")))).build();
    Cluster tls = edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN).toBuilder().setTransportSocket(
        TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(istioMutual)))
        .build();
    xds.set(Snapshot.create(List.of(tls), List.of(endpoints(CLUSTER, reviews.port())), List.of(listener(SVC, 9080)),
        List.of(routes(SVC, 9080, toCluster(prefix(""), CLUSTER))), List.of(), "1"));
    mesh = MeshClient.builder().bootstrapJson(MeshPki.bootstrap(xds.address(), certs, "600s")).build();
    mesh.awaitReady(Duration.ofSeconds(20));
    proxy = BowlineProxy.builder().mesh(mesh).outbound(0).threads(1).start();

    String out = Clients.run(List.of("curl", "-s", "-S", "--max-time", "20", "-D", "-", "--noproxy", "",
        "-x", "http://127.0.0.1:" + proxy.outboundPort(), "http://reviews:9080/reviews/0"));

    assertThat(out).startsWith("HTTP/1.1 503");
    assertThat(out).containsPattern("(?i)x-bowline-response-flags: UF");
    assertThat(out).contains("does not originate TLS");
    assertThat(reviews.requestCount()).as("requests the plaintext endpoint received").isZero();
  }
}
