package io.bowline.controlplane.istio;

import io.bowline.controlplane.DiagnosticCode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the mesh configuration from the ConfigMap {@code istio} ({@code data.mesh}, YAML text, as istiod reads
 * it): {@code rootNamespace}, {@code accessLogFile}, {@code accessLogEncoding}, {@code accessLogFormat},
 * {@code enableTracing}, {@code defaultConfig.tracing.sampling}, {@code extensionProviders} ({@code zipkin},
 * {@code opentelemetry}, {@code envoyFileAccessLog}; others are kept as not translated) and
 * {@code defaultProviders}. The mesh configuration's many other fields concern proxies and istiod, not a client's
 * telemetry, and are not read.
 */
final class MeshConfigParser {

  /** The ConfigMap istiod reads its mesh configuration from. */
  static final String CONFIG_MAP = "istio";
  private static final Set<String> ENCODINGS = Set.of("TEXT", "JSON");
  private static final Set<String> PROVIDER_FIELDS = Set.of("zipkin", "opentelemetry", "envoyFileAccessLog",
      "skywalking", "stackdriver", "datadog", "lightstep", "opencensus", "prometheus", "envoyHttpAls",
      "envoyTcpAls", "envoyOtelAls", "envoyExtAuthzHttp", "envoyExtAuthzGrpc", "sds");

  private MeshConfigParser() {}

  /** Whether a ConfigMap of this namespace and name holds istiod's mesh configuration. */
  static boolean isMeshConfigMap(ResourceRef ref) {
    return ref.name().equals(CONFIG_MAP) && ref.namespace().equals(Sidecar.ROOT_NAMESPACE);
  }

  /** The mesh configuration of the ConfigMap {@code top}; empty after an error. */
  static Optional<MeshConfig> parse(SpecReader top) {
    Optional<SpecReader> data = top.object("data");
    if (data.isEmpty()) {
      return Optional.of(withRef(MeshConfig.DEFAULT, top.ref()));
    }
    Optional<String> text = data.get().string("mesh");
    if (text.isEmpty()) {
      return Optional.of(withRef(MeshConfig.DEFAULT, top.ref()));
    }
    Object loaded;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setMaxAliasesForCollections(YamlDocuments.MAX_ALIASES);
      options.setNestingDepthLimit(YamlDocuments.MAX_NESTING);
      loaded = new Yaml(new SafeConstructor(options)).load(text.get());
    } catch (YAMLException e) {
      // SnakeYAML's message quotes the offending line, which may hold a secret: only the problem is repeated.
      top.error("data.mesh", "is not YAML: " + (e instanceof MarkedYAMLException marked
          ? ValueChecks.shorten(String.valueOf(marked.getProblem())) : "malformed"));
      return Optional.empty();
    }
    if (loaded == null) {
      return Optional.of(withRef(MeshConfig.DEFAULT, top.ref()));
    }
    if (!(loaded instanceof Map<?, ?> map)) {
      top.error("data.mesh", "expected a mapping (Istio's MeshConfig)");
      return Optional.empty();
    }
    SpecReader mesh = new SpecReader(map, "data.mesh", top.ref(), top.diagnostics());
    int before = top.diagnostics().list().size();
    String encoding = mesh.string("accessLogEncoding").orElse("TEXT").toUpperCase(Locale.ROOT);
    if (!ENCODINGS.contains(encoding)) {
      mesh.error("accessLogEncoding", "'" + ValueChecks.shorten(encoding) + "' is not TEXT or JSON");
    }
    Optional<Double> sampling = mesh.object("defaultConfig").flatMap(c -> c.object("tracing"))
        .flatMap(tracing -> tracing.string("sampling").map(raw -> TelemetryParser.percentage(tracing, "sampling", raw)))
        .filter(OptionalDouble::isPresent).map(OptionalDouble::getAsDouble);
    Map<String, MeshConfig.ExtensionProvider> providers = new LinkedHashMap<>();
    for (SpecReader provider : mesh.objects("extensionProviders")) {
      provider(provider).ifPresent(p -> {
        if (providers.put(p.name(), p) != null) {
          provider.error("name", "extension provider '" + ValueChecks.shorten(p.name()) + "' is defined twice");
        }
      });
    }
    Optional<SpecReader> defaults = mesh.object("defaultProviders");
    MeshConfig config = new MeshConfig(top.ref(), mesh.string("rootNamespace").orElse(Sidecar.ROOT_NAMESPACE),
        mesh.string("accessLogFile").orElse(""), encoding, mesh.string("accessLogFormat").orElse(""),
        mesh.bool("enableTracing").orElse(true), sampling, providers,
        defaults.map(d -> d.strings("tracing")).orElse(List.of()),
        defaults.map(d -> d.strings("accessLogging")).orElse(List.of()));
    boolean valid = top.diagnostics().list().subList(before, top.diagnostics().list().size()).stream()
        .noneMatch(io.bowline.controlplane.Diagnostic::isError);
    return valid ? Optional.of(config) : Optional.empty();
  }

  private static Optional<MeshConfig.ExtensionProvider> provider(SpecReader provider) {
    Optional<String> name = provider.requiredString("name");
    List<String> kinds = provider.keys().stream().filter(key -> !key.equals("name")).toList();
    if (name.isEmpty()) {
      return Optional.empty();
    }
    if (kinds.size() != 1) {
      provider.error("name", "extension provider '" + ValueChecks.shorten(name.get())
          + "' must set exactly one provider field (zipkin, opentelemetry, envoyFileAccessLog, ...)");
      return Optional.empty();
    }
    String typeName = kinds.get(0);
    if (!PROVIDER_FIELDS.contains(typeName)) {
      provider.warning(DiagnosticCode.UNKNOWN_KIND, typeName, "unknown extension provider type "
          + ValueChecks.quote(typeName));
    }
    SpecReader body = provider.object(typeName).orElse(new SpecReader(Map.of(), provider.field(typeName),
        provider.ref(), provider.diagnostics()));
    return switch (typeName) {
      case "zipkin", "opentelemetry" -> Optional.of(new MeshConfig.ExtensionProvider(name.get(),
          typeName.equals("zipkin") ? MeshConfig.ProviderKind.ZIPKIN : MeshConfig.ProviderKind.OPENTELEMETRY,
          typeName, body.requiredString("service").orElse(""), body.port("port").orElse(0), "", "", Map.of()));
      case "envoyFileAccessLog" -> {
        Optional<SpecReader> format = body.object("logFormat");
        String text = format.flatMap(f -> f.string("text")).orElse("");
        Map<String, String> labels = format.map(f -> f.stringMap("labels")).orElse(Map.of());
        if (!text.isEmpty() && !labels.isEmpty()) {
          format.get().error("text", "set either text or labels, not both");
        }
        yield Optional.of(new MeshConfig.ExtensionProvider(name.get(), MeshConfig.ProviderKind.ENVOY_FILE_ACCESS_LOG,
            typeName, "", 0, body.string("path").orElse("/dev/stdout"), text, labels));
      }
      default -> Optional.of(new MeshConfig.ExtensionProvider(name.get(), MeshConfig.ProviderKind.OTHER, typeName,
          "", 0, "", "", Map.of()));
    };
  }

  private static MeshConfig withRef(MeshConfig config, ResourceRef ref) {
    return new MeshConfig(ref, config.rootNamespace(), config.accessLogFile(), config.accessLogEncoding(),
        config.accessLogFormat(), config.enableTracing(), config.sampling(), config.extensionProviders(),
        config.defaultTracing(), config.defaultAccessLogging());
  }
}
