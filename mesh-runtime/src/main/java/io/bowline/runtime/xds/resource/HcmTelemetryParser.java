package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import io.bowline.api.config.HttpTelemetry;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an {@code HttpConnectionManager}'s {@code tracing} (provider by its {@code typed_config}
 * type: {@code ZipkinConfig} or {@code OpenTelemetryConfig}; {@code random_sampling}; {@code custom_tags} of
 * kind literal, request header or environment, others NACKed) and its
 * {@code access_log} ({@code FileAccessLog}, {@code StdoutAccessLog}; {@code log_format} as text or
 * JSON, each format string compiled here so a bad one NACKs the listener), with the {@code istio.stats} filter's
 * metric configs read by {@link IstioStatsParser}.
 */
final class HcmTelemetryParser {
  static final String ZIPKIN = "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig";
  static final String OPENTELEMETRY = "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig";
  static final String FILE_LOG = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog";
  static final String STDOUT_LOG = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";

  private HcmTelemetryParser() {}

  static HttpTelemetry parse(HttpConnectionManager hcm, List<HttpTelemetry.MetricConfig> metrics)
      throws ResourceException {
    HttpTelemetry.Tracing tracing = hcm.hasTracing() ? tracing(hcm.getTracing()) : null;
    List<HttpTelemetry.AccessLog> logs = new ArrayList<>();
    for (int i = 0; i < hcm.getAccessLogCount(); i++) {
      try {
        logs.add(accessLog(hcm.getAccessLog(i)));
      } catch (ResourceException e) {
        throw e.within("api_listener.access_log[" + i + "]");
      }
    }
    return tracing == null && logs.isEmpty() && metrics.isEmpty() ? HttpTelemetry.NONE
        : new HttpTelemetry(tracing, logs, metrics);
  }

  private static HttpTelemetry.Tracing tracing(HttpConnectionManager.Tracing t) throws ResourceException {
    String at = "api_listener.tracing";
    double sampling = t.hasRandomSampling() ? t.getRandomSampling().getValue() : 100;
    if (!(sampling >= 0 && sampling <= 100)) {
      throw new ResourceException(at + ".random_sampling", "must be within 0-100, got " + sampling);
    }
    String provider = "envoy.tracers.zipkin";
    if (t.hasProvider()) {
      String type = t.getProvider().getTypedConfig().getTypeUrl();
      provider = switch (type) {
        case ZIPKIN -> "envoy.tracers.zipkin";
        case OPENTELEMETRY -> "envoy.tracers.opentelemetry";
        default -> throw new ResourceException(at + ".provider.typed_config", "tracer " + type
            + " is not supported; expected ZipkinConfig (B3) or OpenTelemetryConfig (W3C)");
      };
    }
    List<HttpTelemetry.CustomTag> tags = new ArrayList<>();
    for (int i = 0; i < t.getCustomTagsCount(); i++) {
      tags.add(customTag(t.getCustomTags(i), at + ".custom_tags[" + i + "]"));
    }
    return new HttpTelemetry.Tracing(provider, sampling, tags);
  }

  private static HttpTelemetry.CustomTag customTag(CustomTag t, String at) throws ResourceException {
    if (t.getTag().isEmpty()) {
      throw new ResourceException(at + ".tag", "must not be empty");
    }
    return switch (t.getTypeCase()) {
      case LITERAL -> new HttpTelemetry.CustomTag(t.getTag(), HttpTelemetry.CustomTag.Kind.LITERAL,
          t.getLiteral().getValue(), "");
      case REQUEST_HEADER -> new HttpTelemetry.CustomTag(t.getTag(), HttpTelemetry.CustomTag.Kind.REQUEST_HEADER,
          t.getRequestHeader().getName().toLowerCase(java.util.Locale.ROOT), t.getRequestHeader().getDefaultValue());
      case ENVIRONMENT -> new HttpTelemetry.CustomTag(t.getTag(), HttpTelemetry.CustomTag.Kind.ENVIRONMENT,
          t.getEnvironment().getName(), t.getEnvironment().getDefaultValue());
      default -> throw new ResourceException(at, "custom tag \"" + t.getTag() + "\": " + t.getTypeCase()
          + " is not supported; expected literal, request_header or environment");
    };
  }

  /** One {@code access_log} entry (an HCM's or a {@code tcp_proxy}'s); errors name the field within it. */
  static HttpTelemetry.AccessLog accessLog(AccessLog log) throws ResourceException {
    if (log.hasFilter()) {
      throw new ResourceException("filter", "access log filters are not supported (log \"" + log.getName() + "\")");
    }
    Any any = log.getTypedConfig();
    try {
      return switch (any.getTypeUrl()) {
        case FILE_LOG -> {
          FileAccessLog f = Unpacking.unpack(any, FileAccessLog.getDescriptor(), FileAccessLog.parser());
          if (f.getPath().isEmpty()) {
            throw new ResourceException("typed_config.path", "must not be empty");
          }
          yield format(f.getPath(), f.hasLogFormat() ? f.getLogFormat() : null);
        }
        case STDOUT_LOG -> {
          StdoutAccessLog s = Unpacking.unpack(any, StdoutAccessLog.getDescriptor(), StdoutAccessLog.parser());
          yield format(null, s.hasLogFormat() ? s.getLogFormat() : null);
        }
        default -> throw new ResourceException("typed_config", "access logger " + any.getTypeUrl()
            + " is not supported; expected envoy.access_loggers.file or envoy.access_loggers.stdout");
      };
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException("typed_config", "cannot decode: " + e.getMessage());
    }
  }

  private static HttpTelemetry.AccessLog format(String path, SubstitutionFormatString f) throws ResourceException {
    if (f == null) {
      return new HttpTelemetry.AccessLog(path, null, null);
    }
    String at = "typed_config.log_format";
    try {
      switch (f.getFormatCase()) {
        case TEXT_FORMAT:
          AccessLogFormat.text(f.getTextFormat());
          return new HttpTelemetry.AccessLog(path, f.getTextFormat(), null);
        case TEXT_FORMAT_SOURCE:
          if (!f.getTextFormatSource().hasInlineString()) {
            throw new ResourceException(at + ".text_format_source", "only inline_string is supported");
          }
          String text = f.getTextFormatSource().getInlineString();
          AccessLogFormat.text(text);
          return new HttpTelemetry.AccessLog(path, text, null);
        case JSON_FORMAT:
          Map<String, String> json = new LinkedHashMap<>();
          for (Map.Entry<String, Value> e : f.getJsonFormat().getFieldsMap().entrySet()) {
            if (e.getValue().getKindCase() != Value.KindCase.STRING_VALUE) {
              throw new ResourceException(at + ".json_format." + e.getKey(), "only format strings are supported");
            }
            json.put(e.getKey(), e.getValue().getStringValue());
          }
          AccessLogFormat.json(json);
          return new HttpTelemetry.AccessLog(path, null, json);
        default:
          return new HttpTelemetry.AccessLog(path, null, null);
      }
    } catch (IllegalArgumentException e) {
      throw new ResourceException(at, e.getMessage());
    }
  }
}
