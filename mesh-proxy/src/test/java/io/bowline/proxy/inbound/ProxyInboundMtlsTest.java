package io.bowline.proxy.inbound;

import static io.bowline.proxy.gateway.GatewayMesh.curl;
import static io.bowline.proxy.gateway.GatewayMesh.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.proxy.BowlineProxy;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.inbound.InboundMode;
import io.bowline.runtime.testing.PrometheusText;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Issue 17's "with mTLS" item end to end on loopback: Istio YAML on the {@link LocalControlPlane} (a mesh-wide
 * STRICT PeerAuthentication, a DENY AuthorizationPolicy, DISABLE for one workload); a Python application
 * ({@link HeaderLoggingApp}) behind a bowline-proxy's inbound listener whose mesh client ({@code httpbin-1},
 * service account {@code httpbin}) gets its SVID from the local CA (the implicit {@code default} provider); callers
 * are a bowline-proxy outbound listener with its own SVID ({@code sleep}) driven by curl and grpc-java, curl in
 * plaintext and {@code openssl s_client} without a certificate. A second inbound listener ({@code legacy}, DISABLE)
 * takes plaintext.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyInboundMtlsTest {
  private static final String HTTPBIN = "httpbin.default.svc.cluster.local";
  private static final String SERVER_ID = "spiffe://cluster.local/ns/default/sa/httpbin";
  private static final String CALLER_ID = "spiffe://cluster.local/ns/default/sa/sleep";
  private static final String XFCC = "x-forwarded-client-cert";

  @TempDir
  static Path dir;
  private HeaderLoggingApp app;
  private LocalControlPlane controlPlane;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Map<String, MeshClient> meshes = new HashMap<>();
  private final Map<String, BowlineProxy> inbounds = new HashMap<>();
  private int strictPort;
  private int disabledPort;
  private BowlineProxy caller;

  @BeforeAll
  void start() throws Exception {
    app = new HeaderLoggingApp(dir);
    strictPort = freePort();
    disabledPort = freePort();
    Path config = Files.createDirectories(dir.resolve("config"));
    Files.writeString(config.resolve("00-mesh.yaml"), workload("httpbin", strictPort) + workload("legacy", disabledPort)
        + """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: httpbin, namespace: default}
        spec:
          host: httpbin.default.svc.cluster.local
          trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: sleep-1, namespace: default}
        spec: {address: 127.0.0.1, labels: {app: sleep}, serviceAccount: sleep}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: legacy, namespace: default}
        spec:
          selector: {matchLabels: {app: legacy}}
          mtls: {mode: DISABLE}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-admin, namespace: default}
        spec:
          selector: {matchLabels: {app: httpbin}}
          action: DENY
          rules:
          - to: [{operation: {paths: ["/admin/*", "/grpc.health.v1.Health/*"]}}]
        """);
    controlPlane = LocalControlPlane.builder(config).port(0).start();
    assertThat(controlPlane.diagnostics()).noneMatch(d -> d.isError());

    inbound("httpbin-1", "httpbin", strictPort);
    inbound("legacy-1", "legacy", disabledPort);
    MeshClient sleep = mesh("sleep-1", "sleep");
    caller = BowlineProxy.builder().mesh(sleep).outbound(0).threads(1).start();
    closeables.add(caller);
  }

  /**
   * Service {@code <app>.default.svc.cluster.local} port 8000 (HTTP), whose one workload {@code <app>-1} (label
   * {@code app}, service account {@code app}) is the inbound listener on {@code port}.
   */
  private static String workload(String app, int port) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: %1$s, namespace: default}
        spec:
          hosts: [%1$s.default.svc.cluster.local]
          ports: [{number: 8000, name: http, protocol: HTTP}]
          resolution: STATIC
          workloadSelector: {labels: {app: %1$s}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: %1$s-1, namespace: default}
        spec: {address: 127.0.0.1, ports: {http: %2$d}, labels: {app: %1$s}, serviceAccount: %1$s}
        ---
        """.formatted(app, port);
  }

  /** A bowline-proxy inbound listener on {@code port} in front of the app, for workload {@code name} of {@code app}. */
  private void inbound(String name, String appLabel, int port) throws Exception {
    MeshClient mesh = mesh(name, appLabel);
    BowlineProxy proxy = BowlineProxy.builder().mesh(mesh).inbound(port, app.port()).admin(0).threads(1).start();
    closeables.add(proxy);
    inbounds.put(name, proxy);
    assertThat(RuntimeMeshClient.of(mesh).serverListeners().awaitListener(port, Duration.ofSeconds(20)))
        .as("server listener of %s", name).isTrue();
  }

  /** A mesh client for workload {@code name} labelled {@code app}, service account {@code app}, no certificate set-up. */
  private MeshClient mesh(String name, String appLabel) throws Exception {
    MeshClient mesh = MeshClient.builder().workload(name, "default").label("app", appLabel).bootstrapJson("""
        {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
          "server_features": ["xds_v3"]}],
         "node": {"id": "sidecar~127.0.0.1~%s.default~default.svc.cluster.local",
                  "metadata": {"SERVICE_ACCOUNT": "%s"}}}
        """.formatted(controlPlane.port(), name, appLabel)).build();
    closeables.add(0, mesh);
    meshes.put(name, mesh);
    mesh.awaitReady(Duration.ofSeconds(20));
    return mesh;
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
    if (app != null) {
      app.close();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** curl through the caller's outbound listener (as its HTTP proxy) to {@code httpbin}'s {@code path}. */
  private String throughTheCaller(String path, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of(extra));
    args.addAll(List.of("-x", "http://127.0.0.1:" + caller.outboundPort(), "http://" + HTTPBIN + ":8000" + path));
    return curl(args.toArray(String[]::new));
  }

  private List<String> received(String path) throws Exception {
    return app.received().stream().filter(l -> l.startsWith("GET " + path + " ")).toList();
  }

  @Test
  void theApplicationSeesTheCallersSpiffeIdInXForwardedClientCertOverMutualTls() throws Exception {
    assertThat(RuntimeMeshClient.of(meshes.get("httpbin-1")).serverListeners().port(strictPort).mode())
        .isEqualTo(InboundMode.STRICT);
    // the first handshakes may precede either side's SVID from the local CA
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(throughTheCaller("/headers")).contains("code=200"));

    String out = throughTheCaller("/headers");
    JsonObject seen = JsonParser.parseString(out.substring(out.indexOf("\r\n\r\n") + 4, out.lastIndexOf("\ncode=")))
        .getAsJsonObject();
    String xfcc = seen.get(XFCC).getAsString();
    assertThat(xfcc).as("Envoy's APPEND_FORWARD element with Istio's Subject, URI and DNS details")
        .matches("By=" + SERVER_ID + ";Hash=[0-9a-f]{64};Subject=\"[^\"]*\";URI=" + CALLER_ID + "(;DNS=[^;,]+)*");
    assertThat(received("/headers")).isNotEmpty().allSatisfy(line -> assertThat(line).contains(CALLER_ID));
  }

  /** The inbound proxy {@code name}'s {@code istio_requests_total} samples with {@code reporter="destination"}. */
  private List<PrometheusText.Sample> servedRequests(String name) throws Exception {
    String out = curl("http://127.0.0.1:" + inbounds.get(name).adminPort() + "/stats/prometheus");
    assertThat(out).startsWith("HTTP/1.1 200");
    return PrometheusText.parse(out.substring(out.indexOf("\r\n\r\n") + 4, out.lastIndexOf("\ncode=")))
        .stream().filter(x -> x.name().equals("istio_requests_total")
            && "destination".equals(x.labels().get("reporter"))).toList();
  }

  @Test
  void theInboundListenerReportsItsRequestsWithReporterDestinationAndTheCallersPrincipal() throws Exception {
    assumeTrue(PrometheusText.available(), PrometheusText.MISSING);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(throughTheCaller("/reported")).contains("code=200"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(throughTheCaller("/admin/reported")).contains("code=403"));
    assertThat(curl("http://127.0.0.1:" + disabledPort + "/reported-plaintext")).contains("code=200");

    List<PrometheusText.Sample> strict = servedRequests("httpbin-1");
    assertThat(strict).filteredOn(x -> x.labels().get("response_code").equals("200")
            && x.labels().get("request_protocol").equals("http")).isNotEmpty()
        .allSatisfy(x -> assertThat(x.labels()).containsEntry("source_principal", CALLER_ID)
            .containsEntry("destination_principal", SERVER_ID).containsEntry("destination_workload", "httpbin-1")
            .containsEntry("destination_app", "httpbin").containsEntry("connection_security_policy", "mutual_tls")
            .containsEntry("grpc_response_status", ""));
    assertThat(strict).filteredOn(x -> x.labels().get("response_code").equals("403"))
        .as("the RBAC denial is a served request too").isNotEmpty()
        .allSatisfy(x -> assertThat(x.labels()).containsEntry("source_principal", CALLER_ID));
    List<PrometheusText.Sample> plaintext = servedRequests("legacy-1");
    assertThat(plaintext).filteredOn(x -> x.labels().get("response_code").equals("200")).isNotEmpty()
        .allSatisfy(x -> assertThat(x.labels()).containsEntry("source_principal", "unknown")
            .containsEntry("connection_security_policy", "none").containsEntry("destination_workload", "legacy-1"));
  }

  @Test
  void aLibraryCallersPeerMetadataNamesItInTheSourceLabelsAndTheApplicationNeverSeesIt() throws Exception {
    assumeTrue(PrometheusText.available(), PrometheusText.MISSING);
    // HTTP/1.1: over ALPN h2 the inbound would forward h2 to the HTTP/1.1-only application (per-port protocols unread)
    OkHttpClient http = BowlineOkHttp.install(meshes.get("sleep-1"),
        new OkHttpClient.Builder().protocols(List.of(Protocol.HTTP_1_1))).build();
    Request request = new Request.Builder().url("http://" + HTTPBIN + ":8000/peer-metadata").build();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      try (Response r = http.newCall(request).execute()) {
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().string()).as("the headers the application saw").contains(XFCC)
            .doesNotContain("x-envoy-peer-metadata");
      }
    });
    assertThat(received("/peer-metadata")).isNotEmpty()
        .allSatisfy(line -> assertThat(line).doesNotContain("x-envoy-peer-metadata"));

    assertThat(servedRequests("httpbin-1")).filteredOn(x -> x.labels().get("response_code").equals("200"))
        .anySatisfy(x -> assertThat(x.labels()).containsEntry("source_workload", "sleep-1")
            .containsEntry("source_workload_namespace", "default").containsEntry("source_app", "sleep")
            .containsEntry("source_canonical_service", "sleep").containsEntry("source_principal", CALLER_ID)
            .containsEntry("destination_workload", "httpbin-1"))
        .noneSatisfy(x -> assertThat(x.labels()).containsEntry("source_workload", "unknown"));
  }

  @Test
  void opensslWithoutACertificateIsRefusedAtTheStrictPort() throws Exception {
    String out = run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + strictPort, "-ign_eof"),
        "GET /no-certificate HTTP/1.1\r\nHost: " + HTTPBIN + "\r\nConnection: close\r\n\r\n");
    assertThat(out).as("the port listens, speaks TLS, refuses the handshake and answers nothing")
        .contains("CONNECTED").containsPattern("alert (bad certificate|certificate required)")
        .doesNotContain("HTTP/1.1");
    String serverCertificate = out.substring(out.indexOf("-----BEGIN CERTIFICATE-----"),
        out.indexOf("-----END CERTIFICATE-----") + 25);
    assertThat(run(List.of("openssl", "x509", "-noout", "-ext", "subjectAltName"), serverCertificate))
        .as("the certificate the port presented").contains("URI:" + SERVER_ID);
    assertThat(received("/no-certificate")).as("what the application received").isEmpty();
  }

  @Test
  void plaintextIsRefusedAtTheStrictPort() throws Exception {
    String out = curl("http://127.0.0.1:" + strictPort + "/plaintext");
    assertThat(out).contains("code=000").doesNotContain("HTTP/1.1");
    assertThat(received("/plaintext")).as("what the application received").isEmpty();
  }

  @Test
  void aDenyAuthorizationPolicyGives403RbacAccessDenied() throws Exception {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(throughTheCaller("/admin/secrets")).contains("code=403"));
    String out = throughTheCaller("/admin/secrets");
    assertThat(out).startsWith("HTTP/1.1 403").contains("\r\n\r\nRBAC: access denied\ncode=403")
        .doesNotContainIgnoringCase("x-bowline-response-flags");
    assertThat(received("/admin/")).as("what the application received").isEmpty();
  }

  @Test
  void aDeniedGrpcCallOverH2GetsPermissionDenied() throws Exception {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(throughTheCaller("/headers")).contains("code=200"));
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", caller.outboundPort(),
        InsecureChannelCredentials.create()).overrideAuthority(HTTPBIN + ":8000").build();
    try {
      assertThatThrownBy(() -> HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).isEqualTo("RBAC: access denied");
          });
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClientSuppliedXForwardedClientCertIsRemovedOnAPlaintextPort() throws Exception {
    assertThat(RuntimeMeshClient.of(meshes.get("legacy-1")).serverListeners().port(disabledPort).mode())
        .isEqualTo(InboundMode.DISABLE);
    String out = curl("-H", XFCC + ": By=spiffe://cluster.local/ns/default/sa/forged;URI=" + SERVER_ID,
        "http://127.0.0.1:" + disabledPort + "/forged");
    assertThat(out).contains("code=200").doesNotContain(XFCC);
    assertThat(received("/forged")).hasSize(1).allSatisfy(line -> assertThat(line).doesNotContain(XFCC));
  }
}
