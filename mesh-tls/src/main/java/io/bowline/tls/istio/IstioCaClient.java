package io.bowline.tls.istio;

import io.bowline.tls.CertificateSigner;
import io.bowline.tls.Csr;
import io.bowline.tls.Pem;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A CSR client of Istio's CA API as istio-agent calls it: {@code CreateCertificate} with gRPC metadata
 * {@code authorization: Bearer <token>} (and {@code ClusterID} when given), over a channel the caller builds
 * (TLS to istiod's port 15012, or loopback to Bowline's local control plane). The same client works against
 * both.
 */
public final class IstioCaClient implements CertificateSigner {

  /** The {@code authorization} metadata key. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  /** istio-agent's {@code ClusterID} metadata key. */
  public static final Metadata.Key<String> CLUSTER_ID = Metadata.Key.of("ClusterID", Metadata.ASCII_STRING_MARSHALLER);

  private final Channel channel;
  private final Supplier<String> token;
  private final String clusterId;
  private final Duration timeout;

  /**
   * @param channel the channel to the CA
   * @param token the bearer token, read at every request (a Kubernetes service-account token rotates)
   * @param clusterId istio-agent's {@code ClusterID}, or {@code null} to send none
   * @param timeout the deadline of one request
   */
  public IstioCaClient(Channel channel, Supplier<String> token, String clusterId, Duration timeout) {
    this.channel = Objects.requireNonNull(channel, "channel");
    this.token = Objects.requireNonNull(token, "token");
    this.clusterId = clusterId;
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * Sends {@code csr} and returns the chain, leaf first.
   *
   * @throws CertificateException if the CA refuses (the gRPC status and its description) or answers with
   *     something that is not a certificate chain
   */
  @Override
  public List<X509Certificate> sign(Csr csr, Duration ttl) throws CertificateException {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + token.get());
    if (clusterId != null) {
      headers.put(CLUSTER_ID, clusterId);
    }
    IstioCertificateResponse response;
    try {
      response = ClientCalls.blockingUnaryCall(
          io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)),
          IstioCertificateService.CREATE_CERTIFICATE,
          CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS),
          new IstioCertificateRequest(csr.pem(), ttl.toSeconds()));
    } catch (StatusRuntimeException e) {
      throw new CertificateException("the CA refused the certificate for " + csr.id() + ": "
          + e.getStatus().getCode() + " " + e.getStatus().getDescription(), e);
    }
    if (response.certChain().isEmpty()) {
      throw new CertificateException("the CA returned no certificate for " + csr.id());
    }
    List<X509Certificate> chain = new ArrayList<>();
    for (int i = 0; i < response.certChain().size(); i++) {
      chain.addAll(Pem.certificates(response.certChain().get(i), "IstioCertificateResponse.cert_chain[" + i + "]"));
    }
    return chain;
  }

  @Override
  public String toString() {
    return "IstioCaClient{" + channel.authority() + "}";
  }
}
