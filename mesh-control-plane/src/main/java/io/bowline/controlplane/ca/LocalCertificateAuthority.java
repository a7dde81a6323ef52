package io.bowline.controlplane.ca;

import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.tls.CertificateAuthority;
import io.bowline.tls.Csr;
import io.bowline.tls.LocalCa;
import io.bowline.tls.Pem;
import io.bowline.tls.SpiffeId;
import io.bowline.tls.istio.IstioCaClient;
import io.bowline.tls.istio.IstioCertificateRequest;
import io.bowline.tls.istio.IstioCertificateResponse;
import io.bowline.tls.istio.IstioCertificateService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local control plane's CA, serving Istio's {@code istio.v1.auth.IstioCertificateService/CreateCertificate}
 * so that the client that talks to istiod's CA talks to this one unchanged.
 *
 * <p>Trust model: the requester sends {@code authorization: Bearer <token>}. The <em>owner token</em> lives in
 * {@link LocalCa}'s directory under the user's home (owner-only), created on first start and kept across
 * restarts; whoever can read it is the user who runs the control plane and may claim any identity the
 * configuration declares ({@link IdentityClaims}). A <em>bound token</em> ({@link #issueToken}) may claim one
 * identity only, as a Kubernetes service-account JWT does at istiod. Anything else is refused:
 * {@code UNAUTHENTICATED} without a known token, {@code PERMISSION_DENIED} for an identity the token may not
 * claim, {@code INVALID_ARGUMENT} for a malformed CSR. Certificates last {@code validity_duration} when the
 * request gives one, at most the configured TTL. Thread-safe.
 */
public final class LocalCertificateAuthority implements AutoCloseable {

  /** Istio's default workload certificate TTL. */
  public static final Duration DEFAULT_CERT_TTL = Duration.ofHours(24);
  /** Istio's default trust domain. */
  public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";

  private static final Logger log = LoggerFactory.getLogger(LocalCertificateAuthority.class);
  private static final Context.Key<String> BEARER = Context.key("bowline-ca-bearer");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final LocalCa files;
  private final CertificateAuthority authority;
  private final Duration certTtl;
  private final Supplier<IstioConfig> config;
  private final Map<String, SpiffeId> boundTokens = new ConcurrentHashMap<>();
  private final Server server;
  private final String address;

  private LocalCertificateAuthority(LocalCa files, CertificateAuthority authority, Duration certTtl,
      Supplier<IstioConfig> config, String host, int port) throws IOException {
    this.files = files;
    this.authority = authority;
    this.certTtl = certTtl;
    this.config = config;
    ServerServiceDefinition service = ServerServiceDefinition.builder(IstioCertificateService.SERVICE)
        .addMethod(IstioCertificateService.CREATE_CERTIFICATE, ServerCalls.asyncUnaryCall(this::createCertificate))
        .build();
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .addService(ServerInterceptors.intercept(service, new BearerInterceptor()))
        .build()
        .start();
    this.address = host + ":" + server.getPort();
  }

  /**
   * Loads or creates the CA of {@code trustDomain} under {@code files}, creates the owner token if there is
   * none, binds {@code host:port} and publishes the address and root certificate there.
   *
   * @param files where the token, address, root certificate and CA keys live
   * @param trustDomain the trust domain of every certificate
   * @param certTtl the default and longest workload certificate lifetime
   * @param host the address to bind
   * @param port the port; 0 picks a free one
   * @param config the configuration served now (what identities it declares)
   * @throws IOException if the files cannot be written or the port bound
   * @throws CertificateException if the persisted CA is unusable
   */
  public static LocalCertificateAuthority start(LocalCa files, String trustDomain, Duration certTtl, String host,
      int port, Supplier<IstioConfig> config) throws IOException, CertificateException {
    Objects.requireNonNull(config, "config");
    if (certTtl.isNegative() || certTtl.isZero()) {
      throw new IllegalArgumentException("--cert-ttl must be positive, got " + certTtl);
    }
    CertificateAuthority.ownerOnlyDirectory(files.directory());
    CertificateAuthority authority = CertificateAuthority.loadOrCreate(files.keyDirectory(trustDomain), trustDomain,
        false);
    byte[] token = new byte[32];
    RANDOM.nextBytes(token);
    CertificateAuthority.createOwnerOnly(files.tokenFile(), Base64.getUrlEncoder().withoutPadding().encodeToString(token));
    LocalCertificateAuthority ca = new LocalCertificateAuthority(files, authority, certTtl, config, host, port);
    CertificateAuthority.writeOwnerOnly(files.rootCertificateFile(), Pem.encode(authority.root()));
    CertificateAuthority.writeOwnerOnly(files.addressFile(), ca.address + "\n");
    log.info("local CA for trust domain {} on {} (token and root certificate in {})", trustDomain, ca.address,
        files.directory());
    return ca;
  }

  /** The port the CA listens on. */
  public int port() {
    return server.getPort();
  }

  /** The trust domain. */
  public String trustDomain() {
    return authority.trustDomain();
  }

  /** The root certificate. */
  public X509Certificate root() {
    return authority.root();
  }

  /**
   * A new bearer token that may claim {@code id} only (what a Kubernetes service-account token is to istiod);
   * valid until this CA stops.
   */
  public String issueToken(SpiffeId id) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    boundTokens.put(token, id);
    return token;
  }

  private void createCertificate(IstioCertificateRequest request, StreamObserver<IstioCertificateResponse> response) {
    try {
      List<X509Certificate> chain = sign(request, BEARER.get());
      response.onNext(new IstioCertificateResponse(chain.stream().map(Pem::encode).toList()));
      response.onCompleted();
    } catch (RefusedException e) {
      log.warn("local CA refused a certificate: {}", e.status.getDescription());
      response.onError(e.status.asRuntimeException());
    }
  }

  private List<X509Certificate> sign(IstioCertificateRequest request, String token) throws RefusedException {
    Optional<SpiffeId> bound = Optional.empty();
    if (token == null) {
      throw new RefusedException(Status.UNAUTHENTICATED.withDescription(
          "no authorization: Bearer token; a local client reads it from " + files.tokenFile()));
    }
    if (!isOwnerToken(token)) {
      SpiffeId id = boundTokens.get(token);
      if (id == null) {
        throw new RefusedException(Status.UNAUTHENTICATED.withDescription("the bearer token is not one this CA issued"));
      }
      bound = Optional.of(id);
    }
    Csr csr;
    try {
      csr = Csr.parse(request.csr());
    } catch (CertificateException e) {
      throw new RefusedException(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
    }
    if (bound.isPresent() && !bound.get().equals(csr.id())) {
      throw new RefusedException(Status.PERMISSION_DENIED.withDescription(
          "the bearer token is bound to " + bound.get() + " and may not claim " + csr.id()));
    }
    Optional<String> refusal = IdentityClaims.refusal(csr.id(), authority.trustDomain(), config.get());
    if (refusal.isPresent()) {
      throw new RefusedException(Status.PERMISSION_DENIED.withDescription(refusal.get()));
    }
    Duration requested = Duration.ofSeconds(request.validityDurationSeconds());
    Duration ttl = requested.isZero() || requested.compareTo(certTtl) > 0 ? certTtl : requested;
    List<X509Certificate> chain = authority.sign(csr, ttl);
    log.debug("local CA issued {} for {}", csr.id(), ttl);
    return chain;
  }

  private boolean isOwnerToken(String token) {
    try {
      String owner = Files.readString(files.tokenFile(), StandardCharsets.US_ASCII).strip();
      return !owner.isEmpty() && MessageDigest.isEqual(owner.getBytes(StandardCharsets.US_ASCII),
          token.getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      log.warn("local CA cannot read its owner token {}: {}", files.tokenFile(), e.getMessage());
      return false;
    }
  }

  /** Stops the server; the files stay, so a restarted control plane keeps its root and token. Idempotent. */
  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "LocalCertificateAuthority{" + authority.trustDomain() + " on " + address + "}";
  }

  /** Puts the bearer token of {@code authorization} into the call's context. */
  private static final class BearerInterceptor implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      String authorization = headers.get(IstioCaClient.AUTHORIZATION);
      String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
          ? authorization.substring(7).strip() : null;
      return Contexts.interceptCall(Context.current().withValue(BEARER, token), call, headers, next);
    }
  }

  /** A refusal with the gRPC status to answer. */
  private static final class RefusedException extends Exception {
    private final transient Status status;

    RefusedException(Status status) {
      super(status.getDescription(), null, false, false);
      this.status = status;
    }
  }
}
