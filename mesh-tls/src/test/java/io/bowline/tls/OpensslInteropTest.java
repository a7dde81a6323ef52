package io.bowline.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bowline.api.config.StringMatcher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's {@code openssl s_client}/{@code s_server} as peers of Bowline's SPIFFE TLS; skipped without openssl. */
class OpensslInteropTest {

  private static final String TD = "cluster.local";
  private static final SpiffeId SERVER = SpiffeId.istio(TD, "default", "reviews");
  private static final SpiffeId CLIENT = SpiffeId.istio(TD, "default", "productpage");
  private static final Pattern ACCEPT = Pattern.compile("ACCEPT .*:(\\d+)");

  @TempDir
  Path dir;

  private final CertificateAuthority ca = CertificateAuthority.create(TD, true);
  private final List<Process> processes = new ArrayList<>();

  @BeforeAll
  static void needsOpenssl() {
    boolean present;
    try {
      present = new ProcessBuilder("openssl", "version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      present = false;
    }
    assumeTrue(present, "openssl is not installed: skipping the openssl interop tests");
  }

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
  }

  private Path[] files(String name, WorkloadCertificate certificate) throws IOException {
    Path chain = Files.writeString(dir.resolve(name + "-chain.pem"), Pem.encode(certificate.chain()));
    Path key = Files.writeString(dir.resolve(name + "-key.pem"), Pem.encode(certificate.privateKey()));
    Path root = Files.writeString(dir.resolve("root.pem"), Pem.encode(certificate.trustBundle()));
    return new Path[] {chain, key, root};
  }

  private Process start(String... command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    processes.add(process);
    return process;
  }

  @Test
  void bowlineClientRefusesAnOpensslServerWhoseCertificateLacksTheExpectedSan() throws Exception {
    Path[] server = files("server", ca.issue(SpiffeId.istio(TD, "default", "ratings"), Duration.ofHours(1)));
    Process sServer = start("openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", server[0].toString(), "-cert_chain", server[0].toString(),
        "-key", server[1].toString(), "-CAfile", server[2].toString(), "-naccept", "1");
    int port = acceptPort(sServer);
    SpiffeTls client = SpiffeTls.create(CertificateProvider.of(ca.issue(CLIENT, Duration.ofHours(1))),
        new SpiffePeerPolicy(Set.of(TD), List.of(new StringMatcher(StringMatcher.Kind.EXACT, SERVER.uri(), false))));
    assertThatThrownBy(() -> TlsPeers.connect(client.sslContext(), port))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("peer spiffe://cluster.local/ns/default/sa/ratings matches none");
  }

  @Test
  void bowlineClientAcceptsAnOpensslServerWithTheExpectedSan() throws Exception {
    Path[] server = files("server", ca.issue(SERVER, Duration.ofHours(1)));
    Process sServer = start("openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", server[0].toString(), "-cert_chain", server[0].toString(),
        "-key", server[1].toString(), "-CAfile", server[2].toString(), "-naccept", "1");
    int port = acceptPort(sServer);
    SpiffeTls client = SpiffeTls.create(CertificateProvider.of(ca.issue(CLIENT, Duration.ofHours(1))),
        new SpiffePeerPolicy(Set.of(TD), List.of(new StringMatcher(StringMatcher.Kind.EXACT, SERVER.uri(), false))));
    try (javax.net.ssl.SSLSocket socket = TlsPeers.connect(client.sslContext(), port)) {
      assertThat(X509Svid.leafId((java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0]))
          .isEqualTo(SERVER);
    }
  }

  @Test
  void opensslClientWithTheWorkloadCertificateIsAcceptedAndWithoutIsRefused() throws Exception {
    WorkloadCertificate serverCertificate = ca.issue(SERVER, Duration.ofHours(1));
    WorkloadCertificate clientCertificate = ca.issue(CLIENT, Duration.ofHours(1));
    Path[] client = files("client", clientCertificate);
    try (TlsPeers server = new TlsPeers(SpiffeTls.create(CertificateProvider.of(serverCertificate),
        SpiffePeerPolicy.anyIn(TD)).sslContext())) {
      String connect = "127.0.0.1:" + server.port();
      Process with = start("openssl", "s_client", "-connect", connect, "-cert", client[0].toString(), "-cert_chain", client[0].toString(),
          "-key", client[1].toString(), "-CAfile", client[2].toString(), "-verify_return_error", "-quiet", "-no_ign_eof");
      with.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
      with.getOutputStream().flush();
      TlsPeers.Accepted accepted = server.accepted.poll(10, TimeUnit.SECONDS);
      assertThat(accepted.failure()).isNull();
      assertThat(accepted.clientSerial()).isEqualTo(clientCertificate.serial());
      with.getOutputStream().close();
      assertThat(with.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(with.exitValue()).as("s_client verified the SPIFFE server certificate").isZero();

      Process without = start("openssl", "s_client", "-connect", connect, "-CAfile", client[2].toString(),
          "-quiet");
      without.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
      without.getOutputStream().flush();
      TlsPeers.Accepted refused = server.accepted.poll(10, TimeUnit.SECONDS);
      assertThat(refused.failure()).isInstanceOf(SSLHandshakeException.class);
      assertThat(refused.failure().getMessage()).contains("Empty client certificate chain");
    }
  }

  private static int acceptPort(Process process) throws IOException {
    BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = lines.readLine()) != null) {
      Matcher matcher = ACCEPT.matcher(line);
      if (matcher.find()) {
        return Integer.parseInt(matcher.group(1));
      }
    }
    throw new IOException("openssl s_server exited without printing its port");
  }
}
