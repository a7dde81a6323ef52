package io.bowline.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.bowline.controlplane.DiagnosticCode;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.MeshConfig;
import io.bowline.controlplane.istio.MeshConfig.ExtensionProvider;
import io.bowline.controlplane.istio.MeshConfig.ProviderKind;
import io.bowline.controlplane.istio.Telemetry;
import io.bowline.controlplane.istio.TelemetryPolicies;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.Tracing;
import io.bowline.controlplane.istio.ResourceRef;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Istio's Telemetry API and meshConfig's telemetry settings → the {@code tracing} and {@code access_log} of a
 * client's outbound {@code HttpConnectionManager}s, as istiod sets them for a sidecar.
 *
 * <p>The Telemetry resources that apply to a client are, from least to most specific: the selector-less one of
 * the root namespace ({@code meshConfig.rootNamespace}, {@code istio-system}), the selector-less one of the client's
 * namespace, and the one of its namespace whose {@code selector.matchLabels} its labels carry (the first of each,
 * in file order). Each field (providers, sampling, {@code disableSpanReporting}, custom tags; access-log providers,
 * {@code disabled}) is taken from the most specific resource that sets it; providers fall back to
 * {@code meshConfig.defaultProviders}.
 *
 * <ul>
 *   <li>Tracing: the first provider, a {@code zipkin} ({@code ZipkinConfig}: B3) or {@code opentelemetry}
 *       ({@code OpenTelemetryConfig}: W3C) extension provider, its collector cluster
 *       {@code outbound|<port>||<service>}; {@code random_sampling} from {@code randomSamplingPercentage}, else
 *       {@code defaultConfig.tracing.sampling}, else Istio's 1 %; {@code disableSpanReporting} samples nothing
 *       (the context still propagates). Without any Telemetry tracing or default provider and with
 *       {@code enableTracing} (Istio's default), Zipkin with that sampling, as istiod's legacy tracing setup;
 *       {@code enableTracing: false} sends no tracing.
 *   <li>Access log: each provider an {@code envoy.access_loggers.file}: Istio's built-in {@code envoy} provider
 *       is {@code accessLogFile} (else {@code /dev/stdout}) in {@code accessLogEncoding}/{@code accessLogFormat};
 *       an {@code envoyFileAccessLog} provider its {@code path} and {@code logFormat} ({@code text}, or
 *       {@code labels} as JSON). Without any Telemetry access logging, {@code accessLogFile} alone turns the
 *       {@code envoy} provider on, as in Istio.
 * </ul>
 *
 * Without an {@code istio} ConfigMap and without Telemetry nothing is set: the client's defaults apply (B3,
 * every call sampled, no access log). Gateways' listeners are left as they are.
 */
final class TelemetryTranslation {

  /** Istio's default sampling percentage ({@code PILOT_TRACE_SAMPLING}). */
  static final double ISTIO_DEFAULT_SAMPLING = 1.0;
  static final String ZIPKIN = "envoy.tracers.zipkin";
  static final String OPENTELEMETRY = "envoy.tracers.opentelemetry";
  static final String FILE_ACCESS_LOG = "envoy.access_loggers.file";

  /** Istio's default JSON access-log labels ({@code accessLogEncoding: JSON} without a format). */
  static final Map<String, String> ISTIO_JSON_FORMAT = jsonDefault();

  private TelemetryTranslation() {}

  /**
   * What applies to one client: the HCM's {@code tracing} (absent: none), {@code access_log} and the
   * {@code istio.stats} filter's {@code stats.PluginConfig} (absent: no filter, Istio's metrics as they are).
   */
  record Settings(Optional<HttpConnectionManager.Tracing> tracing, List<AccessLog> accessLogs,
      Optional<Struct> stats) {
    static final Settings NONE = new Settings(Optional.empty(), List.of(), Optional.empty());
  }

  /**
   * Sets {@code settings} on every API listener's HCM of {@code listeners}, and the access logs on every
   * {@code tcp_proxy} filter of the others (as istiod logs a sidecar's TCP connections).
   */
  static List<Listener> apply(TelemetryPolicies policies, ClientView client, List<Listener> listeners) {
    Settings settings = resolve(policies, client);
    if (settings.tracing().isEmpty() && settings.accessLogs().isEmpty() && settings.stats().isEmpty()) {
      return listeners;
    }
    List<Listener> out = new ArrayList<>(listeners.size());
    for (Listener listener : listeners) {
      out.add(listener.hasApiListener() ? withSettings(listener, settings) : withTcpAccessLogs(listener, settings));
    }
    return out;
  }

  private static Listener withSettings(Listener listener, Settings settings) {
    Any any = listener.getApiListener().getApiListener();
    HttpConnectionManager hcm;
    try {
      hcm = any.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("listener " + listener.getName() + " holds no HttpConnectionManager", e);
    }
    HttpConnectionManager.Builder b = hcm.toBuilder().clearAccessLog().addAllAccessLog(settings.accessLogs());
    settings.tracing().ifPresentOrElse(b::setTracing, b::clearTracing);
    settings.stats().ifPresent(config -> IstioStatsTranslation.insertFilter(b, config));
    return listener.toBuilder().setApiListener(listener.getApiListener().toBuilder().setApiListener(Any.pack(b.build())))
        .build();
  }

  /** {@code listener} with {@code settings}' access logs on each of its {@code tcp_proxy} filters. */
  private static Listener withTcpAccessLogs(Listener listener, Settings settings) {
    if (settings.accessLogs().isEmpty()) {
      return listener;
    }
    Listener.Builder b = listener.toBuilder();
    for (FilterChain.Builder chain : b.getFilterChainsBuilderList()) {
      for (Filter.Builder filter : chain.getFiltersBuilderList()) {
        if (!filter.getTypedConfig().is(TcpProxy.class)) {
          continue;
        }
        try {
          TcpProxy proxy = filter.getTypedConfig().unpack(TcpProxy.class);
          filter.setTypedConfig(Any.pack(proxy.toBuilder().clearAccessLog().addAllAccessLog(settings.accessLogs())
              .build()));
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException("listener " + listener.getName() + " holds a tcp_proxy that does not decode", e);
        }
      }
    }
    return b.build();
  }

  /** What applies to {@code client}. */
  static Settings resolve(TelemetryPolicies policies, ClientView client) {
    if (!policies.configured()) {
      return Settings.NONE;
    }
    MeshConfig mesh = policies.mesh();
    List<Telemetry> levels = levels(policies, client);
    return new Settings(tracing(mesh, levels), accessLogs(mesh, levels), IstioStatsTranslation.clientConfig(mesh,
        levels));
  }

  /** The Telemetry resources that apply to {@code client}, least specific first. */
  static List<Telemetry> levels(TelemetryPolicies policies, ClientView client) {
    String root = policies.mesh().rootNamespace();
    List<Telemetry> all = policies.telemetries();
    List<Telemetry> levels = new ArrayList<>(3);
    all.stream().filter(t -> t.ref().namespace().equals(root) && t.selector().isEmpty()).findFirst()
        .ifPresent(levels::add);
    if (!client.namespace().equals(root)) {
      all.stream().filter(t -> t.ref().namespace().equals(client.namespace()) && t.selector().isEmpty()).findFirst()
          .ifPresent(levels::add);
    }
    all.stream().filter(t -> t.ref().namespace().equals(client.namespace()) && t.selector().isPresent()
            && !t.selector().get().isEmpty() && client.labels().entrySet().containsAll(t.selector().get().entrySet()))
        .findFirst().ifPresent(levels::add);
    return levels;
  }

  // -- tracing

  private static Optional<HttpConnectionManager.Tracing> tracing(MeshConfig mesh, List<Telemetry> levels) {
    List<String> providers = List.of();
    Double sampling = null;
    Boolean disabled = null;
    Map<String, Telemetry.CustomTag> tags = Map.of();
    for (Telemetry level : levels) {
      if (level.tracing().isEmpty()) {
        continue;
      }
      Telemetry.Tracing t = level.tracing().get();
      providers = t.providers().isEmpty() ? providers : t.providers();
      if (t.randomSamplingPercentage().isPresent()) {
        sampling = t.randomSamplingPercentage().getAsDouble();
      }
      disabled = t.disableSpanReporting().orElse(disabled);
      tags = t.customTags().isEmpty() ? tags : t.customTags();
    }
    if (providers.isEmpty()) {
      providers = mesh.defaultTracing();
    }
    Tracing.Http provider;
    if (providers.isEmpty()) {
      if (!mesh.enableTracing()) {
        return Optional.empty();
      }
      provider = zipkin("zipkin", "zipkin.istio-system:9411");
    } else {
      ExtensionProvider p = mesh.extensionProviders().get(providers.get(0));
      if (p == null || (p.kind() != ProviderKind.ZIPKIN && p.kind() != ProviderKind.OPENTELEMETRY)) {
        return Optional.empty(); // reported by check()
      }
      provider = tracingProvider(p);
    }
    double percent = mesh.sampling().orElse(ISTIO_DEFAULT_SAMPLING);
    if (Boolean.TRUE.equals(disabled)) {
      percent = 0;
    } else if (sampling != null) {
      percent = sampling;
    }
    HttpConnectionManager.Tracing.Builder t = HttpConnectionManager.Tracing.newBuilder().setProvider(provider)
        .setRandomSampling(Percent.newBuilder().setValue(percent));
    tags.forEach((name, tag) -> t.addCustomTags(customTag(name, tag)));
    return Optional.of(t.build());
  }

  private static CustomTag customTag(String name, Telemetry.CustomTag tag) {
    CustomTag.Builder b = CustomTag.newBuilder().setTag(name);
    switch (tag.kind()) {
      case "literal" -> b.setLiteral(CustomTag.Literal.newBuilder().setValue(tag.name()));
      case "header" -> b.setRequestHeader(CustomTag.Header.newBuilder().setName(tag.name())
          .setDefaultValue(tag.defaultValue()));
      default -> b.setEnvironment(CustomTag.Environment.newBuilder().setName(tag.name())
          .setDefaultValue(tag.defaultValue()));
    }
    return b.build();
  }

  private static Tracing.Http zipkin(String cluster, String hostname) {
    return Tracing.Http.newBuilder().setName(ZIPKIN).setTypedConfig(Any.pack(ZipkinConfig.newBuilder()
        .setCollectorCluster(cluster).setCollectorEndpoint("/api/v2/spans")
        .setCollectorEndpointVersion(ZipkinConfig.CollectorEndpointVersion.HTTP_JSON)
        .setCollectorHostname(hostname).setTraceId128Bit(true).setSharedSpanContext(BoolValue.of(false))
        .build())).build();
  }

  private static Tracing.Http tracingProvider(ExtensionProvider p) {
    String cluster = ClusterNames.outbound(p.port(), "", p.service());
    if (p.kind() == ProviderKind.ZIPKIN) {
      return zipkin(cluster, p.service());
    }
    return Tracing.Http.newBuilder().setName(OPENTELEMETRY).setTypedConfig(Any.pack(OpenTelemetryConfig.newBuilder()
        .setGrpcService(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder()
            .setClusterName(cluster).setAuthority(p.service())))
        .build())).build();
  }

  // -- access log

  private static List<AccessLog> accessLogs(MeshConfig mesh, List<Telemetry> levels) {
    List<String> providers = List.of();
    Boolean disabled = null;
    for (Telemetry level : levels) {
      if (level.accessLogging().isEmpty()) {
        continue;
      }
      Telemetry.AccessLogging a = level.accessLogging().get();
      providers = a.providers().isEmpty() ? providers : a.providers();
      disabled = a.disabled().orElse(disabled);
    }
    if (Boolean.TRUE.equals(disabled)) {
      return List.of();
    }
    if (providers.isEmpty()) {
      providers = mesh.defaultAccessLogging();
    }
    if (providers.isEmpty() && !mesh.accessLogFile().isEmpty()) {
      providers = List.of(MeshConfig.ENVOY_PROVIDER);
    }
    List<AccessLog> logs = new ArrayList<>();
    for (String name : providers) {
      ExtensionProvider p = mesh.extensionProviders().get(name);
      if (p != null && p.kind() == ProviderKind.ENVOY_FILE_ACCESS_LOG) {
        logs.add(fileLog(p.path(), p.textFormat().isEmpty() ? null : text(p.textFormat()),
            p.labels().isEmpty() ? null : json(p.labels())));
      } else if (p == null && name.equals(MeshConfig.ENVOY_PROVIDER)) {
        logs.add(meshFileLog(mesh));
      }
    }
    return logs;
  }

  /** Istio's built-in {@code envoy} provider: meshConfig's file, encoding and format. */
  private static AccessLog meshFileLog(MeshConfig mesh) {
    String path = mesh.accessLogFile().isEmpty() ? "/dev/stdout" : mesh.accessLogFile();
    if (mesh.accessLogEncoding().equals("JSON")) {
      return fileLog(path, null, mesh.accessLogFormat().isEmpty() ? json(ISTIO_JSON_FORMAT)
          : jsonFormat(mesh.accessLogFormat()).orElse(json(ISTIO_JSON_FORMAT)));
    }
    return fileLog(path, mesh.accessLogFormat().isEmpty() ? null : text(mesh.accessLogFormat()), null);
  }

  private static AccessLog fileLog(String path, SubstitutionFormatString text, SubstitutionFormatString json) {
    FileAccessLog.Builder f = FileAccessLog.newBuilder().setPath(path);
    if (text != null) {
      f.setLogFormat(text);
    } else if (json != null) {
      f.setLogFormat(json);
    }
    return AccessLog.newBuilder().setName(FILE_ACCESS_LOG).setTypedConfig(Any.pack(f.build())).build();
  }

  private static SubstitutionFormatString text(String format) {
    return SubstitutionFormatString.newBuilder()
        .setTextFormatSource(DataSource.newBuilder().setInlineString(format)).build();
  }

  private static SubstitutionFormatString json(Map<String, String> labels) {
    Struct.Builder s = Struct.newBuilder();
    labels.forEach((k, v) -> s.putFields(k, Value.newBuilder().setStringValue(v).build()));
    return SubstitutionFormatString.newBuilder().setJsonFormat(s).build();
  }

  /** meshConfig's {@code accessLogFormat} under JSON encoding: a JSON object of format strings. */
  static Optional<SubstitutionFormatString> jsonFormat(String format) {
    try {
      Struct.Builder s = Struct.newBuilder();
      JsonFormat.parser().merge(format, s);
      for (Value v : s.getFieldsMap().values()) {
        if (v.getKindCase() != Value.KindCase.STRING_VALUE) {
          return Optional.empty();
        }
      }
      return Optional.of(SubstitutionFormatString.newBuilder().setJsonFormat(s).build());
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Map<String, String> jsonDefault() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("start_time", "%START_TIME%");
    m.put("route_name", "%ROUTE_NAME%");
    m.put("method", "%REQ(:METHOD)%");
    m.put("path", "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%");
    m.put("protocol", "%PROTOCOL%");
    m.put("response_code", "%RESPONSE_CODE%");
    m.put("response_flags", "%RESPONSE_FLAGS%");
    m.put("response_code_details", "%RESPONSE_CODE_DETAILS%");
    m.put("connection_termination_details", "%CONNECTION_TERMINATION_DETAILS%");
    m.put("upstream_transport_failure_reason", "%UPSTREAM_TRANSPORT_FAILURE_REASON%");
    m.put("bytes_received", "%BYTES_RECEIVED%");
    m.put("bytes_sent", "%BYTES_SENT%");
    m.put("duration", "%DURATION%");
    m.put("upstream_service_time", "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%");
    m.put("x_forwarded_for", "%REQ(X-FORWARDED-FOR)%");
    m.put("user_agent", "%REQ(USER-AGENT)%");
    m.put("request_id", "%REQ(X-REQUEST-ID)%");
    m.put("authority", "%REQ(:AUTHORITY)%");
    m.put("upstream_host", "%UPSTREAM_HOST%");
    m.put("upstream_cluster", "%UPSTREAM_CLUSTER_RAW%");
    m.put("upstream_local_address", "%UPSTREAM_LOCAL_ADDRESS%");
    m.put("downstream_local_address", "%DOWNSTREAM_LOCAL_ADDRESS%");
    m.put("downstream_remote_address", "%DOWNSTREAM_REMOTE_ADDRESS%");
    m.put("requested_server_name", "%REQUESTED_SERVER_NAME%");
    return java.util.Collections.unmodifiableMap(m);
  }

  // -- analysis

  /**
   * Reports what the telemetry settings cannot do: a provider name that no {@code extensionProviders} entry
   * defines, or one of a type that does not fit (IST0157), a provider type Bowline does not translate, an
   * access-log {@code filter}, metrics settings Bowline does not translate ({@link IstioStatsTranslation#check}), and a second selector-less Telemetry in one
   * namespace (the first wins). An unreadable JSON {@code accessLogFormat} is an error.
   */
  static void check(IstioConfig config, DiagnosticCollector diagnostics) {
    TelemetryPolicies policies = config.telemetry();
    MeshConfig mesh = policies.mesh();
    if (mesh.ref() != null) {
      checkProviders(mesh, mesh.defaultTracing(), true, mesh.ref(), "data.mesh.defaultProviders.tracing",
          diagnostics);
      checkProviders(mesh, mesh.defaultAccessLogging(), false, mesh.ref(),
          "data.mesh.defaultProviders.accessLogging", diagnostics);
      if (mesh.accessLogEncoding().equals("JSON") && !mesh.accessLogFormat().isEmpty()
          && jsonFormat(mesh.accessLogFormat()).isEmpty()) {
        diagnostics.error(mesh.ref(), "data.mesh.accessLogFormat",
            "with accessLogEncoding JSON it must be a JSON object of format strings");
      }
    }
    Set<String> selectorLess = new HashSet<>();
    for (Telemetry t : policies.telemetries()) {
      if (t.selector().isEmpty() && !selectorLess.add(t.ref().namespace())) {
        diagnostics.warning(DiagnosticCode.CONFLICT, t.ref(), "spec", "namespace " + t.ref().namespace()
            + " already has a Telemetry without selector; the first one (in file order) applies");
      }
      t.tracing().ifPresent(tr -> checkProviders(mesh, tr.providers(), true, t.ref(), tr.field() + ".providers",
          diagnostics));
      t.accessLogging().ifPresent(a -> {
        checkProviders(mesh, a.providers(), false, t.ref(), a.field() + ".providers", diagnostics);
        a.filter().ifPresent(f -> diagnostics.warning(DiagnosticCode.NOT_TRANSLATED, t.ref(),
            a.field() + ".filter", "access-log filters (CEL) are not translated; every request is logged"));
      });
      IstioStatsTranslation.check(mesh, t, diagnostics);
    }
  }

  private static void checkProviders(MeshConfig mesh, List<String> names, boolean tracing,
      ResourceRef ref, String field, DiagnosticCollector diagnostics) {
    for (String name : names) {
      ExtensionProvider p = mesh.extensionProviders().get(name);
      if (p == null) {
        if (tracing || !name.equals(MeshConfig.ENVOY_PROVIDER)) {
          diagnostics.warning(DiagnosticCode.INVALID_TELEMETRY_PROVIDER, ref, field, "provider '" + name
              + "' is not defined in meshConfig.extensionProviders"
              + (mesh.ref() == null ? " (no ConfigMap istio-system/istio)" : "") + "; ignored");
        }
      } else if (p.kind() == ProviderKind.OTHER) {
        diagnostics.warning(DiagnosticCode.NOT_TRANSLATED, ref, field, "provider '" + name + "' ("
            + p.typeName() + ") is not translated; Bowline translates zipkin, opentelemetry and envoyFileAccessLog");
      } else if (tracing != (p.kind() != ProviderKind.ENVOY_FILE_ACCESS_LOG)) {
        diagnostics.warning(DiagnosticCode.INVALID_TELEMETRY_PROVIDER, ref, field, "provider '" + name + "' ("
            + p.typeName() + ") is not " + (tracing ? "a tracing" : "an access-log") + " provider; ignored");
      }
    }
  }
}
