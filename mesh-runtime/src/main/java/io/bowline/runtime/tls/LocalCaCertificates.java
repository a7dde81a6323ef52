package io.bowline.runtime.tls;

import io.bowline.tls.CertificateProvider;
import io.bowline.tls.CertificateSigner;
import io.bowline.tls.Csr;
import io.bowline.tls.CsrCertificateProvider;
import io.bowline.tls.LocalCa;
import io.bowline.tls.Pem;
import io.bowline.tls.SpiffeId;
import io.bowline.tls.WorkloadCertificate;
import io.bowline.tls.X509Svid;
import io.bowline.tls.istio.IstioCaClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The implicit {@code default} certificate provider instance: the workload certificate from the local control
 * plane's CA of the same user on the same machine, found with no set-up in {@link LocalCa}'s directory
 * ({@code token}, {@code address}, {@code root-cert.pem}), requested by CSR over Istio's CA API
 * ({@link IstioCaClient}) and rotated by {@link CsrCertificateProvider} (half the lifetime ± 1 %). The identity is
 * {@code spiffe://<trust domain of the published root>/ns/<namespace>/sa/<service account>}.
 *
 * <p>The files are read again at every request, so a control plane started after the client, restarted on another
 * port or with a new token is found at the next retry (1 s doubling to 30 s). Until then, {@link #problem()} says
 * what is missing and calls on clusters that need the certificate get 503 {@code UF} with that reason. The token
 * is only sent to a loopback address. Thread-safe; {@link #toString()} names the directory and identity only.
 */
public final class LocalCaCertificates implements CertificateProvider {
  /** What the provider asks for: Istio's default workload certificate lifetime (the CA may shorten it). */
  static final Duration REQUESTED_TTL = Duration.ofHours(24);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final LocalCa files;
  private final String namespace;
  private final String serviceAccount;
  private final Signer signer = new Signer();
  private final CsrCertificateProvider csr;

  private LocalCaCertificates(LocalCa files, String namespace, String serviceAccount) {
    this.files = files;
    this.namespace = namespace;
    this.serviceAccount = serviceAccount;
    this.csr = CsrCertificateProvider.start(this::identity, "ns/" + namespace + "/sa/" + serviceAccount + " from the "
        + "local CA", signer, REQUESTED_TTL, CsrCertificateProvider.DEFAULT_JITTER);
  }

  /**
   * Starts requesting the certificate of {@code namespace}/{@code serviceAccount} from the CA published in
   * {@code files}.
   *
   * @throws IllegalArgumentException if the namespace or service account is not a valid SPIFFE path segment
   */
  public static LocalCaCertificates start(LocalCa files, String namespace, String serviceAccount) {
    SpiffeId.istio("cluster.local", namespace, serviceAccount); // validates both segments
    return new LocalCaCertificates(files, namespace, serviceAccount);
  }

  private SpiffeId identity() throws CertificateException, IOException {
    return SpiffeId.istio(trustDomain(files), namespace, serviceAccount);
  }

  @Override
  public WorkloadCertificate current() {
    return csr.current();
  }

  @Override
  public void addListener(Consumer<WorkloadCertificate> listener) {
    csr.addListener(listener);
  }

  @Override
  public String problem() {
    return csr.problem();
  }

  @Override
  public void close() {
    csr.close();
    signer.close();
  }

  @Override
  public String toString() {
    return "LocalCaCertificates{" + files.directory() + ", ns/" + namespace + "/sa/" + serviceAccount + ", "
        + current() + "}";
  }

  /** Reads the published address and token at every request; keeps one channel per address. */
  private final class Signer implements CertificateSigner {
    private String target; // guarded by this
    private ManagedChannel channel; // guarded by this

    @Override
    public List<X509Certificate> sign(Csr request, Duration ttl) throws Exception {
      LocalCa.Endpoint endpoint = files.endpoint().orElseThrow(() -> new CertificateException(
          notPublished(files)));
      return new IstioCaClient(channel(endpoint.target()), endpoint::token, null, REQUEST_TIMEOUT).sign(request, ttl);
    }

    private synchronized ManagedChannel channel(String address) throws CertificateException {
      if (address.equals(target)) {
        return channel;
      }
      int colon = address.lastIndexOf(':');
      String host = colon < 0 ? address : address.substring(0, colon);
      try {
        if (!InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress()) {
          throw new CertificateException(files.addressFile() + " names " + address + ", which is not a loopback "
              + "address: the owner token is only sent to a CA on this machine");
        }
      } catch (UnknownHostException e) {
        throw new CertificateException(files.addressFile() + " names an unknown host " + host, e);
      }
      close();
      target = address;
      channel = NettyChannelBuilder.forTarget(address).usePlaintext().build();
      return channel;
    }

    synchronized void close() {
      if (channel != null) {
        channel.shutdownNow();
        try {
          channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        channel = null;
        target = null;
      }
    }
  }

  private static String notPublished(LocalCa files) {
    return "no local CA is published in " + files.directory() + " (start `bowline-control-plane serve` as this "
        + "user, or define certificate_providers.default in the gRPC bootstrap)";
  }

  /** The trust domain of the published root certificate. */
  private static String trustDomain(LocalCa files) throws CertificateException, IOException {
    String pem;
    try {
      pem = Files.readString(files.rootCertificateFile());
    } catch (NoSuchFileException e) {
      throw new CertificateException(notPublished(files));
    }
    List<X509Certificate> roots = Pem.certificates(pem, files.rootCertificateFile().toString());
    for (X509Certificate root : roots) {
      for (String uri : X509Svid.uriSans(root)) {
        return SpiffeId.parse(uri).trustDomain();
      }
    }
    throw new CertificateException(files.rootCertificateFile() + " carries no SPIFFE ID naming the trust domain");
  }
}
