package io.bowline.controlplane.interop;

import static io.bowline.runtime.testing.EnvoyResources.ADS;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.tls.MeshPki;
import io.bowline.runtime.tls.MtlsUpstreams;
import io.bowline.tls.LocalCa;
import io.bowline.tls.Pem;
import io.bowline.tls.SpiffeTls;
import io.bowline.tls.WorkloadCertificate;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, "no private key or certificate material in any log line, exception message, config dump or
 * {@code toString}": mTLS traffic through OkHttp and gRPC (a {@code file_watcher} workload certificate, SDS secrets
 * over ADS, the local control plane's CA by CSR), a handshake refused for a SAN mismatch, a bad PEM key file, a
 * malformed and a NACKed SDS secret, all while every log line (System.out/err, where slf4j-simple writes, and
 * java.util.logging, where {@code System.Logger} and grpc-java write, at every level) is captured. Then the logs,
 * every error text the caller sees, the admin {@code /config_dump} and the {@code toString} of every Bowline object
 * reachable from the mesh clients and the control plane are searched for PEM markers, the Base64 and hex of slices of
 * every key and certificate involved, the keys' secret scalars, and the local CA's bearer token.
 */
class KeyMaterialNeverLeaksTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";
  private static final String RATINGS = "ratings.default.svc.cluster.local";
  private static final String DETAILS = "details.default.svc.cluster.local";
  private static final String REVIEWS_CLUSTER = "outbound|9080||" + REVIEWS;
  private static final String RATINGS_CLUSTER = "outbound|9090||" + RATINGS;
  private static final String DETAILS_CLUSTER = "outbound|9091||" + DETAILS;
  private static final String BROKEN = "broken.default.svc.cluster.local";
  private static final String BROKEN_CLUSTER = "outbound|9092||" + BROKEN;

  @TempDir
  Path dir;
  private final MeshPki pki = new MeshPki();
  /** Text that must never show: key and certificate slices, PEM markers, the token. */
  private final Map<String, String> needles = new LinkedHashMap<>();
  /** Everything to search: captured logs, error texts, dumps, toString output. */
  private final StringBuilder haystack = new StringBuilder();
  private final List<AutoCloseable> closers = new ArrayList<>();
  private final ByteArrayOutputStream console = new ByteArrayOutputStream();
  private PrintStream savedOut;
  private PrintStream savedErr;
  private Handler julCapture;
  private Level savedRootLevel;

  @BeforeEach
  void capture() {
    savedOut = System.out;
    savedErr = System.err;
    System.setOut(new PrintStream(new Tee(savedOut, console), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(savedErr, console), true, StandardCharsets.UTF_8));
    julCapture = new Handler() {
      @Override
      public synchronized void publish(LogRecord record) {
        String message = record.getMessage();
        if (record.getParameters() != null) {
          message = java.text.MessageFormat.format(String.valueOf(message), record.getParameters());
        }
        StringBuilder line = new StringBuilder(record.getLevel() + " " + record.getLoggerName() + ": " + message);
        for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
          line.append("\n  caused by ").append(t);
        }
        synchronized (console) {
          console.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    julCapture.setLevel(Level.ALL);
    Logger root = Logger.getLogger("");
    savedRootLevel = root.getLevel();
    for (Handler h : root.getHandlers()) {
      if (h.getLevel().intValue() < Level.INFO.intValue()) {
        h.setLevel(Level.INFO); // the captured DEBUG lines stay out of the build's console
      }
    }
    root.setLevel(Level.ALL);
    root.addHandler(julCapture);
    needles.put("PEM marker", "-----BEGIN");
    needles.put("PEM label", "PRIVATE KEY");
    needles.put("X509Certificate.toString", "Version: V3");
  }

  @AfterEach
  void release() throws Exception {
    for (int i = closers.size() - 1; i >= 0; i--) {
      closers.get(i).close();
    }
    Logger root = Logger.getLogger("");
    root.removeHandler(julCapture);
    root.setLevel(savedRootLevel);
    System.setOut(savedOut);
    System.setErr(savedErr);
  }

  /** Copies what is written to the real stream and to the capture. */
  private static final class Tee extends OutputStream {
    private final OutputStream real;
    private final ByteArrayOutputStream copy;

    Tee(OutputStream real, ByteArrayOutputStream copy) {
      this.real = real;
      this.copy = copy;
    }

    @Override
    public void write(int b) throws IOException {
      real.write(b);
      synchronized (copy) {
        copy.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      real.write(b, off, len);
      synchronized (copy) {
        copy.write(b, off, len);
      }
    }
  }

  @Test
  void noKeyOrCertificateMaterialInLogsErrorsConfigDumpOrToString() throws Exception {
    // The workload's file_watcher certificate, servers' certificates and SDS secrets: all of it is secret here.
    WorkloadCertificate productpage = pki.issue("productpage");
    MeshPki.write(dir.resolve("certs"), productpage);
    WorkloadCertificate sds = pki.issue("productpage-sds");
    WorkloadCertificate reviewsCert = pki.issue("reviews");
    WorkloadCertificate ratingsCert = pki.issue("ratings");
    for (WorkloadCertificate c : List.of(productpage, sds, reviewsCert, ratingsCert)) {
      addNeedles(c);
    }

    MtlsUpstreams.Server reviews = new MtlsUpstreams.Server(pki, "reviews", "reviews");
    closers.add(reviews);
    Server ratings = grpcServer(ratingsCert);
    MtlsUpstreams.Server details = new MtlsUpstreams.Server(pki, "details", "details");
    closers.add(details);

    // SDS: "sds-cert" is a good certificate with its key, "garbage-key" a key that does not parse (the cluster using
    // it answers UF), "no-key" lacks its private_key (NACKed); the first two are served in one response.
    String bogusKey = "-----BEGIN PRIVATE KEY-----\nQm93bGluZUJvZ3VzS2V5TWF0ZXJpYWxUaGF0TXVzdE5ldmVyU2hvdw==\n"
        + "-----END PRIVATE KEY-----\n";
    needles.put("bogus key body", "Qm93bGluZUJvZ3VzS2V5TWF0ZXJp");
    Secret sdsCert = tlsSecret("sds-cert", Pem.encode(sds.chain()), Pem.encode(sds.privateKey()));
    Secret garbage = tlsSecret("garbage-key", Pem.encode(sds.chain()), bogusKey);
    Secret roots = Secret.newBuilder().setName("sds-roots").setValidationContext(
        io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.newBuilder()
            .setTrustedCa(DataSource.newBuilder().setInlineString(Pem.encode(sds.trustBundle())))).build();

    XdsTestServer xds = new XdsTestServer();
    closers.add(xds);
    xds.set(snapshot("1", reviews.port(), ratings.getPort(), details.port(), "garbage-key", sdsCert, garbage, roots));
    MeshClient mesh = MeshClient.builder()
        .bootstrapJson(MeshPki.bootstrap(xds.address(), dir.resolve("certs"), "1s")).adminPort(0).build();
    closers.add(mesh);
    mesh.awaitReady(Duration.ofSeconds(30));
    OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();

    // mTLS that works: OkHttp (file_watcher and SDS certificates) and gRPC.
    assertThat(get(http, "http://reviews:9080/")).startsWith("200 reviews");
    assertThat(get(http, "http://" + DETAILS + ":9091/")).startsWith("200 details");
    assertThat(HealthGrpc.newBlockingStub(BowlineGrpc.channel(mesh, "xds:///" + RATINGS + ":9090"))
        .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus().name())
        .isEqualTo("SERVING");
    // A key that does not parse: UF with the reason.
    assertThat(get(http, "http://broken:9092/")).startsWith("503");

    // A handshake failure: ratings' endpoint now presents a certificate of a CA the client does not trust.
    WorkloadCertificate untrusted = new MeshPki().issue("ratings");
    addNeedles(untrusted);
    Server wrongId = grpcServer(untrusted);
    // "no-key" has a certificate but no private_key: NACKed naming the field.
    xds.set(snapshot("2", reviews.port(), wrongId.getPort(), details.port(), "no-key", sdsCert, roots,
        Secret.newBuilder().setName("no-key").setTlsCertificate(TlsCertificate.newBuilder()
            .setCertificateChain(DataSource.newBuilder().setInlineString(Pem.encode(sds.chain())))).build()));
    await().atMost(Duration.ofSeconds(15)).until(() -> mesh.status().resources().stream()
        .anyMatch(r -> r.state() == ClientStatus.State.NACKED));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      try {
        HealthGrpc.newBlockingStub(BowlineGrpc.channel(mesh, "xds:///" + RATINGS + ":9090"))
            .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
        throw new AssertionError("a server of an untrusted CA was called");
      } catch (StatusRuntimeException refused) {
        haystack.append(refused).append('\n');
        assertThat(refused.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
      }
    });
    mesh.status().resources().forEach(r -> haystack.append(r).append('\n'));

    // A bad PEM key file: the file_watcher keeps the last good certificate and says why, without the content.
    Files.writeString(dir.resolve("certs/key.pem"), bogusKey);
    await().atMost(Duration.ofSeconds(15)).until(() -> console.toString(StandardCharsets.UTF_8).contains("key.pem"));
    assertThat(get(http, "http://reviews:9080/")).startsWith("200 reviews");

    // The local control plane's CA: a client with no set-up gets its certificate by CSR with the owner token.
    LocalControlPlane controlPlane = localCaCall();
    LocalCa.Endpoint localCa = LocalCa.forCurrentUser().endpoint().orElseThrow();
    needles.put("local CA token", localCa.token());
    try (Stream<Path> files = Files.walk(LocalCa.forCurrentUser().directory())) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        addPemNeedles(f.toString(), Files.readString(f));
      }
    }

    // What a user can look at: the admin dump, and the toString of everything the clients and control plane hold.
    InetSocketAddress admin = mesh.adminAddress().orElseThrow();
    HttpResponse<String> dump = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + admin.getPort() + "/config_dump?include_eds")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(dump.statusCode()).isEqualTo(200);
    assertThat(dump.body()).contains("sds-cert");
    haystack.append(dump.body()).append('\n');
    haystack.append(toStrings(List.of(mesh, RuntimeMeshClient.of(mesh), controlPlane))).append('\n');
    haystack.append(console.toString(StandardCharsets.UTF_8));

    String all = haystack.toString();
    Map<String, String> found = new LinkedHashMap<>();
    needles.forEach((what, needle) -> {
      int at = all.indexOf(needle);
      if (at >= 0) {
        found.put(what, all.substring(Math.max(0, at - 300), Math.min(all.length(), at + 100)));
      }
    });
    assertThat(found).as("key or certificate material where it must not be").isEmpty();
    assertThat(all).as("the capture saw the traffic").contains("key.pem");
  }

  /** A gRPC call to greeter over ISTIO_MUTUAL with the local CA as the client's implicit default provider. */
  private LocalControlPlane localCaCall() throws Exception {
    Path config = dir.resolve("config");
    Files.createDirectories(config);
    writeGreeter(config, 1); // the service account is declared before its certificate is requested
    LocalControlPlane controlPlane = LocalControlPlane.builder(config).port(0).start();
    closers.add(controlPlane);
    SpiffeTls serverTls = LocalCaWorkloads.serverTls(controlPlane, "greeter", Duration.ofHours(1), closers);
    Server greeter = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
            LocalCaWorkloads.credentials(serverTls))
        .addService(new HealthStatusManager().getHealthService()).build().start();
    closers.add(() -> greeter.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    writeGreeter(config, greeter.getPort());
    assertThat(controlPlane.reload()).as("reload: %s", controlPlane.diagnostics()).isTrue();
    MeshClient client = MeshClient.builder().workload("productpage-v1", "default")
        .xdsServer("127.0.0.1:" + controlPlane.port()).build();
    closers.add(client);
    client.awaitReady(Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(StatusRuntimeException.class)
        .untilAsserted(() -> assertThat(HealthGrpc.newBlockingStub(
                BowlineGrpc.channel(client, "greeter.default.svc.cluster.local:8080"))
            .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus().name())
            .isEqualTo("SERVING"));
    haystack.append(toStrings(List.of(client, RuntimeMeshClient.of(client)))).append('\n');
    return controlPlane;
  }

  /**
   * reviews (HTTPS) and ratings (gRPC) under ISTIO_MUTUAL with the file_watcher certificate, details with SDS secret
   * {@code sds-cert} and broken with SDS secret {@code brokenSecret}.
   */
  private static Snapshot snapshot(String version, int reviews, int ratings, int details, String brokenSecret,
      Secret... secrets) {
    return Snapshot.create(
        List.of(MtlsUpstreams.istioMutualCluster(REVIEWS_CLUSTER), MtlsUpstreams.istioMutualCluster(RATINGS_CLUSTER),
            sdsCluster(DETAILS_CLUSTER, "sds-cert"), sdsCluster(BROKEN_CLUSTER, brokenSecret)),
        List.of(endpoints(REVIEWS_CLUSTER, reviews), endpoints(RATINGS_CLUSTER, ratings),
            endpoints(DETAILS_CLUSTER, details), endpoints(BROKEN_CLUSTER, details)),
        List.of(listener(REVIEWS, 9080), listener(RATINGS, 9090), listener(DETAILS, 9091), listener(BROKEN, 9092)),
        List.of(routes(REVIEWS, 9080, toCluster(prefix(""), REVIEWS_CLUSTER)),
            routes(RATINGS, 9090, toCluster(prefix(""), RATINGS_CLUSTER)),
            routes(DETAILS, 9091, toCluster(prefix(""), DETAILS_CLUSTER)),
            routes(BROKEN, 9092, toCluster(prefix(""), BROKEN_CLUSTER))),
        List.of(secrets), version);
  }

  /** greeter (service account greeter) on {@code port} behind an ISTIO_MUTUAL DestinationRule. */
  private static void writeGreeter(Path config, int port) throws IOException {
    TestConfigs.write(config, "00-greeter.yaml", GreeterService.yaml(port, "greeter") + """
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: greeter}
        spec:
          host: greeter
          trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
        """);
  }

  private String get(OkHttpClient http, String url) throws IOException {
    try (Response r = http.newCall(new Request.Builder().url(url).build()).execute()) {
      String text = r.code() + " " + r.body().string();
      haystack.append(text).append('\n');
      return text;
    }
  }

  private Server grpcServer(WorkloadCertificate certificate) throws IOException {
    SpiffeTls tls = MeshPki.serverTls(certificate);
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
            TlsServerCredentials.newBuilder().keyManager(tls.keyManager()).trustManager(tls.trustManager())
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build())
        .addService(new HealthStatusManager().getHealthService()).build().start();
    closers.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return server;
  }

  private static Secret tlsSecret(String name, String chain, String key) {
    return Secret.newBuilder().setName(name).setTlsCertificate(TlsCertificate.newBuilder()
        .setCertificateChain(DataSource.newBuilder().setInlineString(chain))
        .setPrivateKey(DataSource.newBuilder().setInlineString(key))).build();
  }

  /** An EDS cluster whose client certificate is SDS secret {@code certificate} and roots SDS {@code sds-roots}. */
  private static Cluster sdsCluster(String name, String certificate) {
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName(certificate).setSdsConfig(ADS))
        .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("sds-roots").setSdsConfig(ADS)))
        .build();
    return edsCluster(name, Cluster.LbPolicy.ROUND_ROBIN).toBuilder().setTransportSocket(TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls))).build();
  }

  private void addNeedles(WorkloadCertificate certificate) throws Exception {
    String name = certificate.toString();
    addKeyNeedles(name, certificate.privateKey());
    for (X509Certificate c : certificate.chain()) {
      addDerNeedles(name + " certificate", c.getEncoded());
    }
  }

  private void addKeyNeedles(String name, PrivateKey key) {
    addDerNeedles(name + " key", key.getEncoded());
    if (key instanceof ECPrivateKey ec) {
      needles.put(name + " EC scalar (decimal)", ec.getS().toString());
      needles.put(name + " EC scalar (hex)", ec.getS().toString(16));
    } else if (key instanceof RSAPrivateKey rsa) {
      needles.put(name + " RSA exponent (decimal)", rsa.getPrivateExponent().toString().substring(0, 40));
      needles.put(name + " RSA exponent (hex)", rsa.getPrivateExponent().toString(16).substring(0, 40));
    }
  }

  /** Base64 of a slice of {@code der} in each of the three alignments, and hex of a slice. */
  private void addDerNeedles(String name, byte[] der) {
    for (int offset = 0; offset < 3; offset++) {
      String base64 = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(der, offset, der.length));
      int middle = base64.length() / 2;
      needles.put(name + " base64@" + offset, base64.substring(middle, middle + 24));
    }
    StringBuilder hex = new StringBuilder();
    for (int i = der.length / 2; i < der.length / 2 + 16; i++) {
      hex.append(String.format("%02x", der[i]));
    }
    needles.put(name + " hex", hex.toString());
  }

  /** Needles for every PEM block of {@code text} (private keys and certificates alike). */
  private void addPemNeedles(String name, String text) {
    java.util.regex.Matcher block = java.util.regex.Pattern
        .compile("-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END").matcher(text);
    while (block.find()) {
      byte[] der = Base64.getMimeDecoder().decode(block.group(2));
      addDerNeedles(name + " " + block.group(1), der);
    }
  }

  /**
   * The {@code toString} of every {@code io.bowline} object reachable from {@code roots} through fields, collections,
   * maps, arrays, optionals and atomic references (Bowline's own objects are opened reflectively; others are only
   * traversed as containers).
   */
  private static String toStrings(List<Object> roots) {
    StringBuilder out = new StringBuilder();
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Object> todo = new java.util.LinkedList<>(roots); // null-tolerant
    int budget = 200_000;
    while (!todo.isEmpty() && budget-- > 0) {
      Object o = todo.pop();
      if (o == null || !seen.add(o)) {
        continue;
      }
      Class<?> type = o.getClass();
      if (o instanceof Collection<?> c) {
        try {
          todo.addAll(new ArrayList<>(c));
        } catch (RuntimeException concurrentlyChanged) {
          // a live collection changed while copied: its elements are reached again through other paths or not at all
        }
      } else if (o instanceof Map<?, ?> m) {
        try {
          new LinkedHashMap<>(m).forEach((k, v) -> {
            todo.add(k);
            todo.add(v);
          });
        } catch (RuntimeException concurrentlyChanged) {
          // as above
        }
      } else if (o instanceof Optional<?> opt) {
        opt.ifPresent(todo::add);
      } else if (o instanceof AtomicReference<?> ref) {
        todo.add(ref.get());
      } else if (type.isArray() && !type.getComponentType().isPrimitive()) {
        for (int i = 0; i < Array.getLength(o); i++) {
          todo.add(Array.get(o, i));
        }
      } else if (type.getName().startsWith("io.bowline.")) {
        try {
          out.append(o).append('\n');
        } catch (RuntimeException e) {
          out.append(type.getName()).append(".toString threw ").append(e).append('\n');
        }
        for (Class<?> c = type; c != null && c.getName().startsWith("io.bowline."); c = c.getSuperclass()) {
          for (Field f : c.getDeclaredFields()) {
            if (f.getType().isPrimitive() || (Modifier.isStatic(f.getModifiers()) && !f.getType().getName()
                .startsWith("io.bowline."))) {
              continue;
            }
            try {
              f.setAccessible(true);
              todo.add(f.get(o));
            } catch (ReflectiveOperationException | RuntimeException e) {
              // a field of a JDK-opened type: not ours to read
            }
          }
        }
      }
    }
    return out.toString();
  }
}
