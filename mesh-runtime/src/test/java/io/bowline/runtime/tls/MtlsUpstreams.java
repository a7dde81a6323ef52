package io.bowline.runtime.tls;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;

import com.google.protobuf.Any;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.bowline.tls.X509Svid;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLParameters;

/**
 * Upstreams for transports' mTLS tests (OkHttp, the proxy's Netty, Spring's Reactor Netty): an EDS
 * cluster under istiod's ISTIO_MUTUAL context (provider instance {@code default}), an HTTPS server
 * that requires a client certificate and records the caller's SPIFFE ID, and a plaintext socket
 * that records the first byte it receives (a TLS ClientHello starts with {@code 0x16}).
 */
public final class MtlsUpstreams {
  /** The first byte of a TLS handshake record. */
  public static final int TLS_HANDSHAKE = 0x16;

  private MtlsUpstreams() {}

  /** {@code name} as an EDS cluster whose {@code transport_socket} is ISTIO_MUTUAL on provider {@code default}. */
  public static Cluster istioMutualCluster(String name) {
    UpstreamTlsContext istioMutual = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .setTlsCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
            .setInstanceName("default").setCertificateName("default"))
        .setValidationContext(CertificateValidationContext.newBuilder()
            .setCaCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
                .setInstanceName("default").setCertificateName("ROOTCA")))).build();
    return edsCluster(name, Cluster.LbPolicy.ROUND_ROBIN).toBuilder().setTransportSocket(TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(istioMutual))).build();
  }

  /** An HTTPS server on loopback answering {@code body}. */
  public static final class Server implements AutoCloseable {
    private final HttpsServer server;
    /** The SPIFFE ID of the first caller's certificate. */
    public final CompletableFuture<String> callerId = new CompletableFuture<>();

    /**
     * Starts a server presenting a certificate of {@code serviceAccount} from {@code pki} that requires a client
     * certificate.
     */
    public Server(MeshPki pki, String serviceAccount, String body) throws IOException {
      server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setHttpsConfigurator(new HttpsConfigurator(MeshPki.serverTls(pki.issue(serviceAccount)).sslContext()) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters p = getSSLContext().getDefaultSSLParameters();
          p.setNeedClientAuth(true);
          params.setSSLParameters(p);
        }
      });
      server.createContext("/", ex -> {
        try {
          X509Certificate caller = (X509Certificate) ((HttpsExchange) ex).getSSLSession().getPeerCertificates()[0];
          callerId.complete(X509Svid.leafId(caller).uri());
        } catch (Exception e) {
          callerId.completeExceptionally(e);
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
        ex.close();
      });
      server.start();
    }

    /** The bound port. */
    public int port() {
      return server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  /** A plaintext socket on loopback that reads the first byte of its first connection, then closes it. */
  public static final class FirstByte implements AutoCloseable {
    private final ServerSocket socket;
    /** The first byte received, {@code -1} at end of stream. */
    public final CompletableFuture<Integer> first;

    /** Opens the socket and starts waiting for a connection. */
    public FirstByte() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      first = CompletableFuture.supplyAsync(() -> {
        try (Socket s = socket.accept(); InputStream in = s.getInputStream()) {
          return in.read();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }

    /** The bound port. */
    public int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
