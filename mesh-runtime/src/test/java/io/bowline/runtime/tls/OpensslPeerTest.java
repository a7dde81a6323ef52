package io.bowline.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.adapter.okhttp.MeshInterceptor;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.tls.CertificateAuthority;
import io.bowline.tls.Keys;
import io.bowline.tls.Pem;
import io.bowline.tls.WorkloadCertificate;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bowline's client (OkHttp and gRPC adapters, over a real ADS stream) against Debian's {@code openssl s_server}
 * behind istiod's ISTIO_MUTUAL context accepting {@code spiffe://cluster.local/ns/default/sa/reviews}. A server
 * whose certificate lacks that SAN, has expired or comes from an untrusted CA is refused during the handshake: 503
 * {@code UF} (gRPC: {@code UNAVAILABLE}) naming the check that failed, and s_server receives no application byte.
 * With the right SVID the handshake completes both ways (s_server requires and verifies the client certificate):
 * OkHttp gets s_server's {@code -www} page, gRPC's HTTP/2 preface arrives inside TLS. Skipped without openssl.
 */
class OpensslPeerTest {
  private static final String SVC = "reviews.default.svc.cluster.local";
  private static final String CLUSTER = "outbound|9080||" + SVC;
  private static final Pattern ACCEPT = Pattern.compile("ACCEPT .*:(\\d+)");

  @TempDir Path certs;
  @TempDir Path serverFiles;
  private final MeshPki pki = new MeshPki();
  private XdsTestServer xds;
  private MeshClient mesh;
  private Process sServer;
  private final ByteArrayOutputStream sServerOutput = new ByteArrayOutputStream();

  @BeforeAll
  static void needsOpenssl() {
    boolean present;
    try {
      present = new ProcessBuilder("openssl", "version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      present = false;
    }
    assumeTrue(present, "openssl is not installed: skipping Bowline client against openssl s_server");
  }

  @BeforeEach
  void start() throws Exception {
    xds = new XdsTestServer();
    MeshPki.write(certs, pki.issue("productpage"));
  }

  @AfterEach
  void stop() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    if (sServer != null) {
      sServer.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    xds.close();
  }

  /** Starts s_server presenting {@code certificate}, requiring a client certificate of this mesh's CA. */
  private int sServer(WorkloadCertificate certificate, String... mode) throws Exception {
    Path chain = Files.writeString(serverFiles.resolve("chain.pem"), Pem.encode(certificate.chain()));
    Path key = Files.writeString(serverFiles.resolve("key.pem"), Pem.encode(certificate.privateKey()));
    Path roots = Files.writeString(serverFiles.resolve("roots.pem"), Pem.encode(pki.issue("x").trustBundle()));
    List<String> command = new java.util.ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:0",
        "-cert", chain.toString(), "-key", key.toString(), "-CAfile", roots.toString(), "-Verify", "1"));
    command.addAll(List.of(mode));
    sServer = new ProcessBuilder(command).redirectErrorStream(true).start();
    InputStream out = sServer.getInputStream();
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = out.read()) >= 0) {
      if (b != '\n') {
        line.append((char) b);
        continue;
      }
      Matcher m = ACCEPT.matcher(line);
      if (m.find()) {
        CompletableFuture.runAsync(() -> {
          try {
            out.transferTo(sServerOutput);
          } catch (IOException e) {
            // s_server was stopped
          }
        });
        int port = Integer.parseInt(m.group(1));
        xds.set(Snapshot.create(
            List.of(UpstreamMtlsTest.tlsCluster(UpstreamMtlsTest.istioMutual(List.of(MeshPki.id("reviews").uri()), ""))),
            List.of(io.bowline.runtime.testing.EnvoyResources.endpoints(CLUSTER, port)),
            List.of(io.bowline.runtime.testing.EnvoyResources.listener(SVC, 9080)),
            List.of(io.bowline.runtime.testing.EnvoyResources.routes(SVC, 9080,
                io.bowline.runtime.testing.EnvoyResources.toCluster(
                    io.bowline.runtime.testing.EnvoyResources.prefix(""), CLUSTER))), List.of(), "1"));
        mesh = MeshClient.builder().bootstrapJson(MeshPki.bootstrap(xds.address(), certs, "600s")).build();
        mesh.awaitReady(Duration.ofSeconds(30));
        return port;
      }
      line.setLength(0);
    }
    throw new IOException("openssl s_server exited without printing its port: " + line);
  }

  private String sServerSaw() {
    synchronized (sServerOutput) {
      return sServerOutput.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private void assertRefused(String reason) throws Exception {
    OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/secret-path").build()).execute()) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER)).isEqualTo("UF");
      assertThat(r.body().string()).contains("TLS error").contains(reason);
    }
    assertThatThrownBy(() -> HealthGrpc.newBlockingStub(BowlineGrpc.channel(mesh, "xds:///" + SVC + ":9080"))
        .withDeadlineAfter(20, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("UF").contains(reason);
        });
    assertThat(sServerSaw()).as("s_server received nothing in plaintext or otherwise")
        .doesNotContain("secret-path").doesNotContain("PRI * HTTP/2.0").doesNotContain("grpc.health");
  }

  @Test
  void aServerCertificateLackingTheExpectedSanIsRefusedWithUfAndNothingIsSent() throws Exception {
    sServer(pki.issue("ratings"));
    assertRefused("peer spiffe://cluster.local/ns/default/sa/ratings matches none of the subject alternative name "
        + "matchers");
  }

  @Test
  void anExpiredServerCertificateIsRefusedWithUf() throws Exception {
    CertificateAuthority ca = pki.ca;
    KeyPair keys = Keys.ecP256();
    Instant now = Instant.now();
    WorkloadCertificate expired = new WorkloadCertificate(keys.getPrivate(),
        ca.sign(keys.getPublic(), MeshPki.id("reviews"), now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1))),
        List.of(ca.root()));
    sServer(expired);
    assertRefused("expired");
  }

  @Test
  void aServerCertificateFromAnUntrustedCaIsRefusedWithUf() throws Exception {
    MeshPki other = new MeshPki(CertificateAuthority.create(MeshPki.TRUST_DOMAIN, false));
    sServer(other.issue("reviews"));
    assertRefused("does not chain to a trusted root");
  }

  @Test
  void theRightSvidGetsOkHttpA200FromSServer() throws Exception {
    sServer(pki.issue("reviews"), "-www");
    OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
      assertThat(r.code()).as(r.peekBody(4096).string()).isEqualTo(200);
      assertThat(r.body().string()).contains("Ciphers supported in s_server binary");
    }
  }

  @Test
  void theRightSvidCarriesGrpcsHttp2PrefaceInsideTls() throws Exception {
    sServer(pki.issue("reviews"), "-alpn", "h2");
    assertThatThrownBy(() -> HealthGrpc.newBlockingStub(BowlineGrpc.channel(mesh, "xds:///" + SVC + ":9080"))
        .withDeadlineAfter(3, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()))
        .as("s_server speaks no HTTP/2").isInstanceOf(StatusRuntimeException.class);
    assertThat(sServerSaw()).as("the handshake completed and the preface arrived decrypted").contains("PRI * HTTP/2.0");
  }
}
