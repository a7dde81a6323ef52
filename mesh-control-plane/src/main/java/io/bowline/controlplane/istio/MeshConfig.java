package io.bowline.controlplane.istio;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Istio's mesh configuration as istiod reads it from the ConfigMap {@code istio} of the root namespace
 * ({@code data.mesh}), as far as telemetry goes.
 *
 * @param ref the ConfigMap it came from ({@code null} for {@link #DEFAULT})
 * @param rootNamespace {@code rootNamespace} (default {@code istio-system}): where mesh-wide Telemetry lives
 * @param accessLogFile {@code accessLogFile}; empty: no access log unless a Telemetry asks for one
 * @param accessLogEncoding {@code accessLogEncoding}: {@code TEXT} (default) or {@code JSON}
 * @param accessLogFormat {@code accessLogFormat}; empty: Istio's default format for the encoding
 * @param enableTracing {@code enableTracing} (default true)
 * @param sampling {@code defaultConfig.tracing.sampling} in percent; empty: Istio's default, 1 %
 * @param extensionProviders {@code extensionProviders} by name, in order
 * @param defaultTracing {@code defaultProviders.tracing}
 * @param defaultAccessLogging {@code defaultProviders.accessLogging}
 */
public record MeshConfig(ResourceRef ref, String rootNamespace, String accessLogFile, String accessLogEncoding,
    String accessLogFormat, boolean enableTracing, Optional<Double> sampling,
    Map<String, ExtensionProvider> extensionProviders, List<String> defaultTracing,
    List<String> defaultAccessLogging) {

  /** The mesh configuration when there is no {@code istio} ConfigMap. */
  public static final MeshConfig DEFAULT = new MeshConfig(null, Sidecar.ROOT_NAMESPACE, "", "TEXT", "", true,
      Optional.empty(), Map.of(), List.of(), List.of());

  /** Copies the collections. */
  public MeshConfig {
    extensionProviders = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(extensionProviders));
    defaultTracing = List.copyOf(defaultTracing);
    defaultAccessLogging = List.copyOf(defaultAccessLogging);
  }

  /** Istio's built-in access-log provider: the mesh's {@code accessLogFile}, encoding and format. */
  public static final String ENVOY_PROVIDER = "envoy";

  /** The kinds of {@code extensionProviders} entries Bowline translates. */
  public enum ProviderKind {
    /** {@code zipkin}: B3 propagation ({@code envoy.tracers.zipkin}). */
    ZIPKIN,
    /** {@code opentelemetry}: W3C trace context ({@code envoy.tracers.opentelemetry}). */
    OPENTELEMETRY,
    /** {@code envoyFileAccessLog}: a file access log. */
    ENVOY_FILE_ACCESS_LOG,
    /** Any other provider (stackdriver, prometheus, envoyOtelAls, ...): not translated. */
    OTHER
  }

  /**
   * One {@code extensionProviders} entry.
   *
   * @param name its name, as Telemetry's {@code providers[].name} refers to it
   * @param kind which provider it is
   * @param typeName the provider's field name as written ({@code zipkin}, {@code stackdriver}, ...)
   * @param service the collector's {@code service} (tracing)
   * @param port the collector's {@code port} (tracing; 0 when unset)
   * @param path {@code envoyFileAccessLog.path}
   * @param textFormat {@code envoyFileAccessLog.logFormat.text}; empty when unset
   * @param labels {@code envoyFileAccessLog.logFormat.labels} (JSON); empty when unset
   */
  public record ExtensionProvider(String name, ProviderKind kind, String typeName, String service, int port,
      String path, String textFormat, Map<String, String> labels) {
    /** Copies the labels, keeping their order. */
    public ExtensionProvider {
      labels = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(labels));
    }
  }
}
