package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static io.bowline.controlplane.translate.XdsAssertions.listener;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.DiagnosticCode;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import com.github.udpa.udpa.type.v1.TypedStruct;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's Telemetry API and meshConfig → the outbound HCM's {@code tracing} and {@code access_log}, as istiod
 * writes them for a sidecar: providers from {@code extensionProviders}, sampling, the root namespace, namespace and
 * workload precedence field by field, meshConfig's {@code accessLogFile}/{@code accessLogEncoding}/
 * {@code accessLogFormat}, and the diagnostics for providers that do not exist.
 */
class TelemetryTranslationTest {
  private static final String LISTENER = "reviews.default.svc.cluster.local:9080";
  private static final ClientView PRODUCTPAGE =
      ClientView.sidecar("default", Map.of("app", "productpage", "version", "v1"), "", true);
  private static final ClientView RATINGS = ClientView.sidecar("default", Map.of("app", "ratings"), "", true);
  private static final ClientView OTHER_NAMESPACE = ClientView.sidecar("shop", Map.of("app", "cart"), "", true);

  private static final String MESH = """
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: istio, namespace: istio-system}
      data:
        mesh: |-
          accessLogFile: %s
          accessLogEncoding: %s
          enableTracing: %s
          defaultConfig:
            tracing: {sampling: 10}
          extensionProviders:
          - name: otel
            opentelemetry: {service: opentelemetry-collector.observability.svc.cluster.local, port: 4317}
          - name: zipkin
            zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411}
          - name: requests-file
            envoyFileAccessLog:
              path: /var/log/requests.log
              logFormat: {text: "%%RESPONSE_CODE%% %%UPSTREAM_CLUSTER%%"}
          - name: json-file
            envoyFileAccessLog:
              path: /var/log/requests.json
              logFormat: {labels: {code: "%%RESPONSE_CODE%%", flags: "%%RESPONSE_FLAGS%%"}}
          - name: stackdriver
            stackdriver: {}
      """;

  @TempDir
  Path dir;

  @BeforeEach
  void services() throws Exception {
    java.nio.file.Files.copy(TestConfigs.bookinfoServices(), dir.resolve("00-services.yaml"));
  }

  private void mesh(String accessLogFile, String encoding, boolean enableTracing) {
    TestConfigs.write(dir, "01-mesh.yaml", MESH.formatted(accessLogFile, encoding, enableTracing));
  }

  private void telemetry(String namespace, String name, String spec) {
    TestConfigs.write(dir, "02-" + namespace + "-" + name + ".yaml", """
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: {name: %s, namespace: %s}
        spec:
        %s
        """.formatted(name, namespace, spec.indent(2)));
  }

  private HttpConnectionManager hcm(ClientView client) throws Exception {
    XdsResources resources = new XdsTranslator().translate(IstioConfigLoader.load(dir), client);
    assertThat(errors(resources)).isEmpty();
    return listener(resources, LISTENER).getApiListener().getApiListener().unpack(HttpConnectionManager.class);
  }

  private static List<Diagnostic> diagnostics(Path dir) {
    return new XdsTranslator().translate(IstioConfigLoader.load(dir), PRODUCTPAGE).diagnostics();
  }

  private static FileAccessLog file(AccessLog log) throws Exception {
    assertThat(log.getName()).isEqualTo("envoy.access_loggers.file");
    return log.getTypedConfig().unpack(FileAccessLog.class);
  }

  @Test
  void withoutMeshConfigOrTelemetryTheListenerCarriesNoTracingAndNoAccessLog() throws Exception {
    HttpConnectionManager hcm = hcm(PRODUCTPAGE);
    assertThat(hcm.hasTracing()).isFalse();
    assertThat(hcm.getAccessLogList()).isEmpty();
    assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName).doesNotContain("istio.stats");
  }

  @Test
  void meshConfigAloneGivesLegacyZipkinAtDefaultConfigSamplingAndTheAccessLogFile() throws Exception {
    mesh("/dev/stdout", "TEXT", true);
    HttpConnectionManager hcm = hcm(PRODUCTPAGE);
    assertThat(hcm.getTracing().getProvider().getName()).isEqualTo("envoy.tracers.zipkin");
    assertThat(hcm.getTracing().getProvider().getTypedConfig().is(ZipkinConfig.class)).isTrue();
    assertThat(hcm.getTracing().getRandomSampling().getValue()).isEqualTo(10.0);
    assertThat(hcm.getAccessLogList()).hasSize(1);
    FileAccessLog log = file(hcm.getAccessLog(0));
    assertThat(log.getPath()).isEqualTo("/dev/stdout");
    assertThat(log.hasLogFormat()).as("Istio's default text format is the runtime's default").isFalse();
  }

  @Test
  void enableTracingFalseAndNoAccessLogFileSendNothing() throws Exception {
    mesh("\"\"", "TEXT", false);
    HttpConnectionManager hcm = hcm(PRODUCTPAGE);
    assertThat(hcm.hasTracing()).isFalse();
    assertThat(hcm.getAccessLogList()).isEmpty();
  }

  @Test
  void jsonEncodingUsesIstiosJsonLabels() throws Exception {
    mesh("/tmp/access.log", "JSON", true);
    FileAccessLog log = file(hcm(PRODUCTPAGE).getAccessLog(0));
    assertThat(log.getPath()).isEqualTo("/tmp/access.log");
    assertThat(log.getLogFormat().getJsonFormat().getFieldsMap()).containsKeys("start_time", "response_code",
        "response_flags", "upstream_cluster", "request_id", "authority");
    assertThat(log.getLogFormat().getJsonFormat().getFieldsOrThrow("response_flags").getStringValue())
        .isEqualTo("%RESPONSE_FLAGS%");
  }

  @Test
  void rootNamespaceTelemetryChoosesTheOpenTelemetryProviderAndSamplingForEveryClient() throws Exception {
    mesh("\"\"", "TEXT", true);
    telemetry("istio-system", "mesh-default", """
        tracing: [{providers: [{name: otel}], randomSamplingPercentage: 25}]
        accessLogging: [{providers: [{name: requests-file}]}]
        """);
    for (ClientView client : List.of(PRODUCTPAGE, OTHER_NAMESPACE)) {
      HttpConnectionManager hcm = hcm(client);
      assertThat(hcm.getTracing().getProvider().getName()).isEqualTo("envoy.tracers.opentelemetry");
      OpenTelemetryConfig otel = hcm.getTracing().getProvider().getTypedConfig().unpack(OpenTelemetryConfig.class);
      assertThat(otel.getGrpcService().getEnvoyGrpc().getClusterName())
          .isEqualTo("outbound|4317||opentelemetry-collector.observability.svc.cluster.local");
      assertThat(hcm.getTracing().getRandomSampling().getValue()).isEqualTo(25.0);
      FileAccessLog log = file(hcm.getAccessLog(0));
      assertThat(log.getPath()).isEqualTo("/var/log/requests.log");
      assertThat(log.getLogFormat().getTextFormatSource().getInlineString())
          .isEqualTo("%RESPONSE_CODE% %UPSTREAM_CLUSTER%");
    }
  }

  @Test
  void namespaceAndWorkloadTelemetryOverrideOnlyTheFieldsTheySet() throws Exception {
    mesh("\"\"", "TEXT", true);
    telemetry("istio-system", "mesh-default", """
        tracing: [{providers: [{name: otel}], randomSamplingPercentage: 25}]
        accessLogging: [{providers: [{name: requests-file}]}]
        """);
    telemetry("default", "namespace", """
        tracing: [{randomSamplingPercentage: 50}]
        """);
    telemetry("default", "productpage", """
        selector: {matchLabels: {app: productpage}}
        tracing: [{providers: [{name: zipkin}], customTags: {team: {literal: {value: bookinfo}}}}]
        accessLogging: [{providers: [{name: json-file}]}]
        """);
    HttpConnectionManager productpage = hcm(PRODUCTPAGE);
    assertThat(productpage.getTracing().getProvider().getName()).isEqualTo("envoy.tracers.zipkin");
    assertThat(productpage.getTracing().getProvider().getTypedConfig().unpack(ZipkinConfig.class)
        .getCollectorCluster()).isEqualTo("outbound|9411||zipkin.istio-system.svc.cluster.local");
    assertThat(productpage.getTracing().getRandomSampling().getValue()).as("from the namespace").isEqualTo(50.0);
    assertThat(productpage.getTracing().getCustomTags(0).getLiteral().getValue()).isEqualTo("bookinfo");
    assertThat(file(productpage.getAccessLog(0)).getLogFormat().getJsonFormat().getFieldsMap()).containsOnlyKeys(
        "code", "flags");

    HttpConnectionManager ratings = hcm(RATINGS);
    assertThat(ratings.getTracing().getProvider().getName()).isEqualTo("envoy.tracers.opentelemetry");
    assertThat(ratings.getTracing().getRandomSampling().getValue()).isEqualTo(50.0);
    assertThat(file(ratings.getAccessLog(0)).getPath()).isEqualTo("/var/log/requests.log");

    assertThat(hcm(OTHER_NAMESPACE).getTracing().getRandomSampling().getValue()).isEqualTo(25.0);
  }

  @Test
  void disabledAccessLoggingAndDisableSpanReportingAtWorkloadLevel() throws Exception {
    mesh("/dev/stdout", "TEXT", true);
    telemetry("default", "quiet", """
        selector: {matchLabels: {app: productpage}}
        tracing: [{disableSpanReporting: true}]
        accessLogging: [{disabled: true}]
        """);
    HttpConnectionManager hcm = hcm(PRODUCTPAGE);
    assertThat(hcm.getTracing().getRandomSampling().getValue()).isZero();
    assertThat(hcm.getAccessLogList()).isEmpty();
    assertThat(hcm(RATINGS).getAccessLogList()).hasSize(1);
  }

  @Test
  void serverOnlyEntriesDoNotApplyToClients() throws Exception {
    mesh("\"\"", "TEXT", false);
    telemetry("default", "inbound-only", """
        accessLogging: [{match: {mode: SERVER}, providers: [{name: requests-file}]}]
        """);
    assertThat(hcm(PRODUCTPAGE).getAccessLogList()).isEmpty();
  }

  @Test
  void unknownAndUnfitProvidersAreReportedAndIgnored() throws Exception {
    mesh("\"\"", "TEXT", false);
    telemetry("default", "typos", """
        tracing: [{providers: [{name: jaeger}]}]
        accessLogging: [{providers: [{name: otel}], filter: {expression: "response.code >= 400"}}]
        metrics: [{providers: [{name: stackdriver}], reportingInterval: 10s}]
        """);
    telemetry("default", "second", """
        tracing: [{providers: [{name: stackdriver}]}]
        """);
    List<Diagnostic> found = diagnostics(dir);
    assertThat(found).filteredOn(d -> d.code().equals(DiagnosticCode.INVALID_TELEMETRY_PROVIDER.id()))
        .extracting(Diagnostic::message).anySatisfy(m -> assertThat(m).contains("'jaeger' is not defined"))
        .anySatisfy(m -> assertThat(m).contains("'otel' (opentelemetry) is not an access-log provider"));
    assertThat(found).filteredOn(d -> d.code().equals(DiagnosticCode.NOT_TRANSLATED.id())).extracting(Diagnostic::field)
        .contains("spec.accessLogging[0].filter", "spec.metrics[0].providers", "spec.metrics[0].reportingInterval",
            "spec.tracing[0].providers");
    assertThat(found).filteredOn(d -> d.code().equals(DiagnosticCode.CONFLICT.id())).isNotEmpty();
    HttpConnectionManager hcm = hcm(PRODUCTPAGE);
    assertThat(hcm.hasTracing()).isFalse();
    assertThat(hcm.getAccessLogList()).isEmpty();
  }

  @Test
  void aSamplingPercentageOutOfRangeIsAnErrorNamingTheField() {
    telemetry("default", "bad", """
        tracing: [{randomSamplingPercentage: 150}]
        """);
    assertThat(diagnostics(dir)).filteredOn(Diagnostic::isError).extracting(Diagnostic::field)
        .containsExactly("spec.tracing[0].randomSamplingPercentage");
  }

  // -- metrics: the istio.stats filter

  /** The client's {@code istio.stats} config: metric name to its {@code MetricConfig} as a Struct. */
  private Map<String, Struct> stats(ClientView client) throws Exception {
    HttpConnectionManager hcm = hcm(client);
    List<HttpFilter> filters = hcm.getHttpFiltersList();
    assertThat(filters.get(filters.size() - 2).getName()).as("just before the router").isEqualTo("istio.stats");
    TypedStruct ts = filters.get(filters.size() - 2).getTypedConfig().unpack(TypedStruct.class);
    assertThat(ts.getTypeUrl()).isEqualTo("type.googleapis.com/stats.PluginConfig");
    Map<String, Struct> out = new java.util.LinkedHashMap<>();
    for (Value v : ts.getValue().getFieldsOrThrow("metrics").getListValue().getValuesList()) {
      Struct mc = v.getStructValue();
      out.put(mc.getFieldsMap().containsKey("name") ? mc.getFieldsOrThrow("name").getStringValue() : "", mc);
    }
    return out;
  }

  private static Map<String, String> dimensions(Struct metricConfig) {
    Map<String, String> out = new java.util.TreeMap<>();
    metricConfig.getFieldsOrThrow("dimensions").getStructValue().getFieldsMap()
        .forEach((k, v) -> out.put(k, v.getStringValue()));
    return out;
  }

  private static List<String> removed(Struct metricConfig) {
    Value v = metricConfig.getFieldsMap().get("tags_to_remove");
    return v == null ? List.of() : v.getListValue().getValuesList().stream().map(Value::getStringValue).toList();
  }

  private static boolean drop(Struct metricConfig) {
    Value v = metricConfig.getFieldsMap().get("drop");
    return v != null && v.getBoolValue();
  }

  @Test
  void metricsOverridesOfRootNamespaceAndWorkloadMergeInOrderIntoTheClientsIstioStatsFilter() throws Exception {
    telemetry("istio-system", "mesh-default", """
        metrics:
        - providers: [{name: prometheus}]
          overrides:
          - match: {metric: ALL_METRICS}
            tagOverrides: {request_protocol: {operation: REMOVE}}
        """);
    telemetry("default", "namespace", """
        metrics:
        - overrides:
          - match: {metric: REQUEST_COUNT, mode: CLIENT_AND_SERVER}
            tagOverrides:
              user: {value: "request.headers['x-user']"}
              request_protocol: {value: "request.method"}
        """);
    telemetry("default", "ratings", """
        selector: {matchLabels: {app: ratings}}
        metrics:
        - overrides:
          - match: {metric: REQUEST_COUNT, mode: CLIENT}
            disabled: true
          - match: {metric: REQUEST_DURATION, mode: SERVER}
            disabled: true
        """);
    Map<String, Struct> productpage = stats(PRODUCTPAGE);
    assertThat(productpage.keySet()).as("every metric, in name order, as istiod writes them").containsExactly(
        "request_bytes", "request_duration_milliseconds", "request_messages_total", "requests_total",
        "response_bytes", "response_messages_total", "tcp_connections_closed_total", "tcp_connections_opened_total",
        "tcp_received_bytes_total", "tcp_sent_bytes_total");
    assertThat(removed(productpage.get("response_bytes"))).containsExactly("request_protocol");
    assertThat(dimensions(productpage.get("response_bytes"))).isEmpty();
    assertThat(removed(productpage.get("requests_total"))).as("the namespace's UPSERT replaces the root's REMOVE")
        .isEmpty();
    assertThat(dimensions(productpage.get("requests_total"))).containsExactly(
        Map.entry("request_protocol", "request.method"), Map.entry("user", "request.headers['x-user']"));
    assertThat(drop(productpage.get("requests_total"))).isFalse();

    Map<String, Struct> ratings = stats(RATINGS);
    assertThat(drop(ratings.get("requests_total"))).isTrue();
    assertThat(dimensions(ratings.get("requests_total"))).containsKey("user");
    assertThat(drop(ratings.get("request_duration_milliseconds"))).as("a SERVER-only override").isFalse();
  }

  @Test
  void allMetricsDisabledDropsEveryMetricUntilALaterOverrideAsIstiodDoes() throws Exception {
    telemetry("istio-system", "mesh-default", """
        metrics:
        - providers: [{name: prometheus}]
          overrides: [{match: {metric: ALL_METRICS, mode: SERVER}, disabled: true}]
        """);
    assertThat(stats(PRODUCTPAGE)).as("istiod turns the provider off whatever the mode").containsOnlyKeys("")
        .allSatisfy((name, config) -> assertThat(drop(config)).isTrue());
    telemetry("default", "namespace", """
        metrics:
        - overrides: [{match: {metric: REQUEST_SIZE}, disabled: false}]
        """);
    Map<String, Struct> enabled = stats(PRODUCTPAGE);
    assertThat(enabled).containsOnlyKeys("request_bytes");
    assertThat(drop(enabled.get("request_bytes"))).isFalse();
    assertThat(stats(OTHER_NAMESPACE)).containsOnlyKeys("");
  }

  @Test
  void aProviderOtherThanPrometheusInScopeDropsEveryMetric() throws Exception {
    mesh("\"\"", "TEXT", false);
    telemetry("default", "namespace", """
        metrics: [{providers: [{name: stackdriver}]}]
        """);
    assertThat(stats(PRODUCTPAGE)).containsOnlyKeys("");
  }

  @Test
  void anUnknownMetricOrOperationOrAnUpsertWithoutValueIsAnErrorNamingTheField() {
    telemetry("default", "bad", """
        metrics:
        - overrides:
          - match: {metric: REQUEST_COUNTS}
          - tagOverrides: {a: {operation: DELETE}}
          - tagOverrides: {b: {operation: UPSERT}}
        """);
    assertThat(diagnostics(dir)).filteredOn(Diagnostic::isError).extracting(Diagnostic::field).containsExactly(
        "spec.metrics[0].overrides[0].match.metric", "spec.metrics[0].overrides[1].tagOverrides.a.operation",
        "spec.metrics[0].overrides[2].tagOverrides.b.value");
  }
}
