package io.bowline.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gRPC's file_watcher plugin over files replaced as Istio's grpc-agent replaces them. */
class FileWatcherCertificateProviderTest {

  private static final SpiffeId ID = SpiffeId.istio("cluster.local", "default", "reviews");

  @TempDir
  Path dir;

  private final CertificateAuthority ca = CertificateAuthority.create("cluster.local", true);

  private FileWatcherCertificateProvider.Config config() {
    return new FileWatcherCertificateProvider.Config(dir.resolve("cert-chain.pem"), dir.resolve("key.pem"),
        dir.resolve("root-cert.pem"), Duration.ofMillis(100));
  }

  /** Writes a file as grpc-agent does: a temporary file renamed over the old one. */
  private void replace(String name, String text) throws IOException {
    Path temp = dir.resolve(name + ".new");
    Files.writeString(temp, text);
    Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private void write(WorkloadCertificate certificate) throws IOException {
    replace("root-cert.pem", Pem.encode(certificate.trustBundle()));
    replace("key.pem", Pem.encode(certificate.privateKey()));
    replace("cert-chain.pem", Pem.encode(certificate.chain()));
  }

  @Test
  void bootstrapConfigReadsFieldsAndDefaultsTheRefreshTo600s() {
    FileWatcherCertificateProvider.Config parsed = FileWatcherCertificateProvider.Config.fromJson(Map.of(
        "certificate_file", "/var/lib/istio/data/cert-chain.pem", "private_key_file", "/var/lib/istio/data/key.pem",
        "ca_certificate_file", "/var/lib/istio/data/root-cert.pem"));
    assertThat(parsed.refreshInterval()).isEqualTo(Duration.ofSeconds(600));
    assertThat(FileWatcherCertificateProvider.Config.fromJson(Map.of("certificate_file", "a",
        "private_key_file", "b", "ca_certificate_file", "c", "refresh_interval", "0.5s")).refreshInterval())
        .isEqualTo(Duration.ofMillis(500));
    assertThatThrownBy(() -> FileWatcherCertificateProvider.Config.fromJson(Map.of("certificate_file", "a")))
        .hasMessageContaining("private_key_file is missing");
  }

  @Test
  void replacedFilesAreLoadedAtTheNextRefresh() throws Exception {
    WorkloadCertificate first = ca.issue(ID, Duration.ofHours(1));
    write(first);
    try (FileWatcherCertificateProvider provider = FileWatcherCertificateProvider.start(config())) {
      assertThat(provider.current().serial()).isEqualTo(first.serial());
      WorkloadCertificate second = ca.issue(ID, Duration.ofHours(1));
      write(second);
      await().atMost(Duration.ofSeconds(5)).until(() -> provider.current().serial().equals(second.serial()));
      assertThat(provider.current().trustBundle()).containsExactly(ca.root());
    }
  }

  @Test
  void halfWrittenKeyIsRetriedAndNeverLoaded() throws Exception {
    WorkloadCertificate first = ca.issue(ID, Duration.ofHours(1));
    write(first);
    try (FileWatcherCertificateProvider provider = FileWatcherCertificateProvider.start(config())) {
      WorkloadCertificate second = ca.issue(ID, Duration.ofHours(1));
      String key = Pem.encode(second.privateKey());
      Files.writeString(dir.resolve("key.pem"), key.substring(0, key.length() / 2));
      replace("cert-chain.pem", Pem.encode(second.chain()));
      await().atMost(Duration.ofSeconds(5)).until(() -> provider.lastError().contains("key.pem"));
      assertThat(provider.current().serial()).isEqualTo(first.serial());
      replace("key.pem", key);
      await().atMost(Duration.ofSeconds(5)).until(() -> provider.current().serial().equals(second.serial()));
      assertThat(provider.lastError()).isEmpty();
    }
  }

  @Test
  void mismatchedPairIsNotLoaded() throws Exception {
    WorkloadCertificate first = ca.issue(ID, Duration.ofHours(1));
    write(first);
    try (FileWatcherCertificateProvider provider = FileWatcherCertificateProvider.start(config())) {
      WorkloadCertificate second = ca.issue(ID, Duration.ofHours(1));
      replace("cert-chain.pem", Pem.encode(second.chain()));
      await().atMost(Duration.ofSeconds(5))
          .until(() -> provider.lastError().contains("does not hold the private key of the leaf"));
      assertThat(provider.current().serial()).isEqualTo(first.serial());
    }
  }

  @Test
  void missingFilesLeaveNoCertificateAndAreRetried() throws Exception {
    try (FileWatcherCertificateProvider provider = FileWatcherCertificateProvider.start(config())) {
      assertThat(provider.current()).isNull();
      assertThat(provider.lastError()).contains("cert-chain.pem");
      WorkloadCertificate first = ca.issue(ID, Duration.ofHours(1));
      write(first);
      await().atMost(Duration.ofSeconds(5)).until(() -> provider.current() != null);
    }
  }
}
