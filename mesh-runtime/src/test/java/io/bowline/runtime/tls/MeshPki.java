package io.bowline.runtime.tls;

import io.bowline.tls.CertificateAuthority;
import io.bowline.tls.CertificateProvider;
import io.bowline.tls.Pem;
import io.bowline.tls.SpiffeId;
import io.bowline.tls.SpiffePeerPolicy;
import io.bowline.tls.SpiffeTls;
import io.bowline.tls.WorkloadCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * Test PKI: a CA of trust domain {@code cluster.local}, workload certificates written as Istio's grpc-agent
 * writes them ({@code cert-chain.pem}, {@code key.pem}, {@code root-cert.pem}, each replaced atomically), and
 * the gRPC bootstrap whose {@code default} certificate provider is {@code file_watcher} on those files.
 */
public final class MeshPki {
  public static final String TRUST_DOMAIN = "cluster.local";
  public final CertificateAuthority ca;

  public MeshPki() {
    this(CertificateAuthority.create(TRUST_DOMAIN, false));
  }

  public MeshPki(CertificateAuthority ca) {
    this.ca = ca;
  }

  /** {@code spiffe://cluster.local/ns/default/sa/<sa>}. */
  public static SpiffeId id(String serviceAccount) {
    return SpiffeId.istio(TRUST_DOMAIN, "default", serviceAccount);
  }

  public WorkloadCertificate issue(String serviceAccount) {
    return ca.issue(id(serviceAccount), Duration.ofHours(1));
  }

  /** A server-side context presenting {@code certificate} and requiring a client of any mesh identity. */
  public static SpiffeTls serverTls(WorkloadCertificate certificate) {
    return SpiffeTls.create(CertificateProvider.of(certificate), SpiffePeerPolicy.anyIn(TRUST_DOMAIN));
  }

  /** Writes {@code certificate} into {@code dir} as grpc-agent does, each file replaced atomically. */
  public static void write(Path dir, WorkloadCertificate certificate) throws IOException {
    Files.createDirectories(dir);
    replace(dir.resolve("cert-chain.pem"), Pem.encode(certificate.chain()));
    replace(dir.resolve("key.pem"), Pem.encode(certificate.privateKey()));
    replace(dir.resolve("root-cert.pem"), Pem.encode(certificate.trustBundle()));
  }

  private static void replace(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A gRPC bootstrap for {@code xds} with provider {@code default} = file_watcher on {@code dir}. */
  public static String bootstrap(String xds, Path dir, String refresh) {
    return """
        {"xds_servers": [{"server_uri": "%s", "channel_creds": [{"type": "insecure"}], "server_features": ["xds_v3"]}],
         "node": {"id": "sidecar~127.0.0.1~productpage-v1.default~default.svc.cluster.local",
                  "metadata": {"NAMESPACE": "default", "GENERATOR": "grpc"}},
         "certificate_providers": {"default": {"plugin_name": "file_watcher", "config": {
            "certificate_file": "%s", "private_key_file": "%s", "ca_certificate_file": "%s",
            "refresh_interval": "%s"}}}}
        """.formatted(xds, dir.resolve("cert-chain.pem"), dir.resolve("key.pem"), dir.resolve("root-cert.pem"),
        refresh);
  }
}
