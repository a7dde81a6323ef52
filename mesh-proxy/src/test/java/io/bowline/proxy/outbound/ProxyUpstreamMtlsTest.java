package io.bowline.proxy.outbound;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.bowline.api.MeshClient;
import io.bowline.proxy.BowlineProxy;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.tls.MeshPki;
import io.bowline.tls.X509Svid;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
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

  private void route(int port) throws Exception {
    UpstreamTlsContext istioMutual = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .setTlsCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
            .setInstanceName("default").setCertificateName("default"))
        .setValidationContext(CertificateValidationContext.newBuilder()
            .setCaCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
                .setInstanceName("default").setCertificateName("ROOTCA")))).build();
    Cluster tls = edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN).toBuilder().setTransportSocket(
        TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(istioMutual)))
        .build();
    xds.set(Snapshot.create(List.of(tls), List.of(endpoints(CLUSTER, port)), List.of(listener(SVC, 9080)),
        List.of(routes(SVC, 9080, toCluster(prefix(""), CLUSTER))), List.of(), "1"));
    mesh = MeshClient.builder().bootstrapJson(MeshPki.bootstrap(xds.address(), certs, "600s")).build();
    mesh.awaitReady(Duration.ofSeconds(20));
    proxy = BowlineProxy.builder().mesh(mesh).outbound(0).threads(1).start();
  }

  private String curl() {
    return Clients.run(List.of("curl", "-s", "-S", "--max-time", "20", "-D", "-", "--noproxy", "",
        "-x", "http://127.0.0.1:" + proxy.outboundPort(), "http://reviews:9080/reviews/0"));
  }

  @Test
  void anIstioMutualClusterIsCalledOverMutualTlsWithTheWorkloadIdentity() throws Exception {
    HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(MeshPki.serverTls(pki.issue("reviews")).sslContext()) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters p = getSSLContext().getDefaultSSLParameters();
        p.setNeedClientAuth(true);
        params.setSSLParameters(p);
      }
    });
    CompletableFuture<String> seen = new CompletableFuture<>();
    server.createContext("/", ex -> {
      X509Certificate client = (X509Certificate) ((HttpsExchange) ex).getSSLSession().getPeerCertificates()[0];
      try {
        seen.complete(X509Svid.leafId(client).uri());
      } catch (Exception e) {
        seen.completeExceptionally(e);
      }
      byte[] body = "reviews".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    try {
      route(server.getAddress().getPort());
      String out = curl();
      assertThat(out).startsWith("HTTP/1.1 200").endsWith("reviews");
      assertThat(seen.get(5, TimeUnit.SECONDS)).as("the client identity the upstream saw")
          .isEqualTo("spiffe://cluster.local/ns/default/sa/productpage");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void anEndpointThatDoesNotSpeakTlsGetsAClientHelloNotTheRequestAndTheCallerUf() throws Exception {
    try (ServerSocket plaintext = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Integer> firstByte = CompletableFuture.supplyAsync(() -> {
        try (Socket s = plaintext.accept(); InputStream in = s.getInputStream()) {
          return in.read(); // then close: no TLS answer
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      route(plaintext.getLocalPort());
      String out = curl();
      assertThat(out).startsWith("HTTP/1.1 503");
      assertThat(out).containsPattern("(?i)x-bowline-response-flags: UF");
      assertThat(firstByte.get(5, TimeUnit.SECONDS)).as("first byte the endpoint received: a TLS handshake record")
          .isEqualTo(0x16);
    }
  }
}
