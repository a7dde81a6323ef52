package io.bowline.controlplane.interop;

import static org.awaitility.Awaitility.await;

import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.ca.LocalCertificateAuthority;
import io.bowline.tls.CsrCertificateProvider;
import io.bowline.tls.SpiffeId;
import io.bowline.tls.SpiffePeerPolicy;
import io.bowline.tls.SpiffeTls;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyChannelBuilder;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLSession;

/**
 * Server-side workloads of tests against the local control plane: a certificate from its CA (by CSR with a token
 * bound to the identity, as a Kubernetes service-account token at istiod), TLS server credentials that present it
 * and require a client of the trust domain, and an interceptor reporting each call's client certificate.
 */
final class LocalCaWorkloads {
  private LocalCaWorkloads() {
  }

  /** {@code spiffe://cluster.local/ns/default/sa/<sa>}'s rotating certificate; closed through {@code closers}. */
  static SpiffeTls serverTls(LocalControlPlane controlPlane, String sa, Duration ttl, List<AutoCloseable> closers) {
    SpiffeId id = SpiffeId.istio("cluster.local", "default", sa);
    LocalCertificateAuthority ca = controlPlane.certificateAuthority();
    ManagedChannel toCa = NettyChannelBuilder.forAddress("127.0.0.1", ca.port()).usePlaintext().build();
    closers.add(() -> toCa.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    String token = ca.issueToken(id);
    CsrCertificateProvider certificate = CsrCertificateProvider.start(id,
        new io.bowline.tls.istio.IstioCaClient(toCa, () -> token, null, Duration.ofSeconds(10)), ttl, 0.01);
    closers.add(certificate);
    await().atMost(Duration.ofSeconds(10)).until(() -> certificate.current() != null);
    return SpiffeTls.create(certificate, SpiffePeerPolicy.anyIn("cluster.local"));
  }

  /** gRPC server credentials of {@code tls}, requiring a client certificate. */
  static io.grpc.ServerCredentials credentials(SpiffeTls tls) {
    return TlsServerCredentials.newBuilder().keyManager(tls.keyManager()).trustManager(tls.trustManager())
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build();
  }

  /** Reports every call's client leaf certificate (or {@code null} without one) to {@code clients}. */
  static ServerInterceptor clientCertificates(Consumer<X509Certificate> clients) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        X509Certificate leaf = null;
        try {
          leaf = session == null ? null : (X509Certificate) session.getPeerCertificates()[0];
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
          // no client certificate: reported as null
        }
        clients.accept(leaf);
        return next.startCall(call, headers);
      }
    };
  }
}
