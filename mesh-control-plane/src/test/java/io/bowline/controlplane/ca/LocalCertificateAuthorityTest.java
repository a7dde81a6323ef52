package io.bowline.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.tls.CsrCertificateProvider;
import io.bowline.tls.Csr;
import io.bowline.tls.Keys;
import io.bowline.tls.LocalCa;
import io.bowline.tls.SpiffeId;
import io.bowline.tls.X509Svid;
import io.bowline.tls.istio.IstioCaClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSRs over real gRPC to the local control plane's CA, as istio-agent sends them to istiod. */
class LocalCertificateAuthorityTest {

  private static final String TD = "cluster.local";
  private static final SpiffeId RATINGS = SpiffeId.istio(TD, "bookinfo", "ratings");
  private static final SpiffeId REVIEWS = SpiffeId.istio(TD, "bookinfo", "bookinfo-reviews");

  @TempDir
  Path config;
  @TempDir
  Path home;

  private LocalControlPlane controlPlane;
  private ManagedChannel channel;
  private LocalCa localCa;

  @BeforeEach
  void start() throws Exception {
    Files.writeString(config.resolve("workloads.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: ratings-vm, namespace: bookinfo}
        spec:
          address: 127.0.0.1
          serviceAccount: ratings
          labels: {app: ratings}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: reviews-v1, namespace: bookinfo}
        spec:
          replicas: 1
          template:
            metadata: {labels: {app: reviews, version: v1}}
            spec: {serviceAccountName: bookinfo-reviews}
        """);
    localCa = new LocalCa(home.resolve(".bowline/local-ca"));
    controlPlane = LocalControlPlane.builder(config).localCa(localCa).certTtl(Duration.ofSeconds(4)).start();
    assertThat(controlPlane.diagnostics()).noneMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
    LocalCa.Endpoint endpoint = localCa.endpoint().orElseThrow();
    channel = NettyChannelBuilder.forTarget(endpoint.target()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    controlPlane.close();
  }

  private IstioCaClient client(String token) {
    return new IstioCaClient(channel, () -> token, "Kubernetes", Duration.ofSeconds(10));
  }

  private IstioCaClient ownerClient() throws Exception {
    String token = localCa.endpoint().orElseThrow().token();
    return client(token);
  }

  private static Csr csr(SpiffeId id) {
    return Csr.create(Keys.ecP256(), id);
  }

  @Test
  void ownerTokenAndAddressArePublishedOwnerOnlyUnderTheHome() throws Exception {
    assertThat(Files.getPosixFilePermissions(localCa.tokenFile()))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(localCa.directory()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    assertThat(localCa.endpoint().orElseThrow().target())
        .isEqualTo("127.0.0.1:" + controlPlane.certificateAuthority().port());
  }

  @Test
  void workloadEntryServiceAccountIsIssuedWithTheOwnerToken() throws Exception {
    List<X509Certificate> chain = ownerClient().sign(csr(RATINGS), Duration.ofSeconds(4));
    assertThat(X509Svid.leafId(chain.get(0))).isEqualTo(RATINGS);
    assertThat(chain.get(chain.size() - 1)).isEqualTo(controlPlane.certificateAuthority().root());
  }

  @Test
  void deploymentServiceAccountNameAndDefaultAreIssued() throws Exception {
    assertThat(X509Svid.leafId(ownerClient().sign(csr(REVIEWS), Duration.ofSeconds(4)).get(0))).isEqualTo(REVIEWS);
    SpiffeId fallback = SpiffeId.istio(TD, "bookinfo", "default");
    assertThat(X509Svid.leafId(ownerClient().sign(csr(fallback), Duration.ofSeconds(4)).get(0))).isEqualTo(fallback);
  }

  @Test
  void identityNoWorkloadDeclaresIsRefused() throws Exception {
    assertThatThrownBy(() -> ownerClient().sign(csr(SpiffeId.istio(TD, "bookinfo", "admin")), Duration.ofHours(1)))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("PERMISSION_DENIED")
        .hasMessageContaining("no WorkloadEntry or Deployment in namespace bookinfo runs as service account admin");
  }

  @Test
  void anotherTrustDomainIsRefused() throws Exception {
    assertThatThrownBy(() -> ownerClient().sign(csr(SpiffeId.istio("example.org", "bookinfo", "ratings")),
        Duration.ofHours(1)))
        .hasMessageContaining("PERMISSION_DENIED")
        .hasMessageContaining("outside this CA's trust domain cluster.local");
  }

  @Test
  void boundTokenMayClaimItsIdentityOnly() throws Exception {
    String token = controlPlane.certificateAuthority().issueToken(RATINGS);
    assertThat(X509Svid.leafId(client(token).sign(csr(RATINGS), Duration.ofSeconds(4)).get(0))).isEqualTo(RATINGS);
    assertThatThrownBy(() -> client(token).sign(csr(REVIEWS), Duration.ofHours(1)))
        .hasMessageContaining("PERMISSION_DENIED")
        .hasMessageContaining("the bearer token is bound to " + RATINGS + " and may not claim " + REVIEWS);
  }

  @Test
  void unknownOrMissingTokenIsUnauthenticated() {
    assertThatThrownBy(() -> client("not-a-token").sign(csr(RATINGS), Duration.ofHours(1)))
        .hasMessageContaining("UNAUTHENTICATED")
        .hasMessageContaining("not one this CA issued");
  }

  @Test
  void certificatesRotateAtHalfTheConfiguredTtl() throws Exception {
    try (CsrCertificateProvider provider = CsrCertificateProvider.start(RATINGS, ownerClient(),
        Duration.ofHours(24), CsrCertificateProvider.DEFAULT_JITTER)) {
      Set<String> serials = new HashSet<>();
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
        if (provider.current() != null) {
          serials.add(provider.current().serial());
          assertThat(Duration.between(provider.current().notBefore(), provider.current().notAfter()))
              .as("--cert-ttl caps the requested 24h").isLessThanOrEqualTo(Duration.ofSeconds(5));
        }
        return serials.size() >= 3;
      });
    }
  }
}
