package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.LocalRateLimitPolicy;
import io.bowline.api.config.RouteRateLimits;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;

/**
 * Envoy {@code extensions.filters.http.local_ratelimit.v3.LocalRateLimit} → {@link LocalRateLimitPolicy}:
 * from the HCM's {@code http_filters} or a route's (virtual host's)
 * {@code typed_per_filter_config["envoy.filters.http.local_ratelimit"]}, bare, in a
 * {@code config.route.v3.FilterConfig}, or in a {@code TypedStruct} ({@code udpa.type.v1} or
 * {@code xds.type.v3}, as Istio's EnvoyFilter examples write it), with its {@code descriptors}.
 * Fields the runtime does not run ({@code local_cluster_rate_limit},
 * {@code local_rate_limit_per_downstream_connection}, {@code enable_x_ratelimit_headers},
 * {@code max_dynamic_descriptors} and dynamic descriptors) are NACKed by name.
 */
final class LocalRateLimitParser {
  static final String FILTER_NAME = "envoy.filters.http.local_ratelimit";
  static final String TYPE = "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
  /** Envoy's floor for {@code fill_interval}. */
  private static final Duration MIN_FILL_INTERVAL = Duration.ofMillis(50);

  private LocalRateLimitParser() {}

  /**
   * The type URL an {@code Any} configures: its own, or the one inside a {@code TypedStruct}.
   *
   * @throws ResourceException if a {@code TypedStruct} cannot be decoded
   */
  static String typeOf(Any any, String at) throws ResourceException {
    return TypedConfigs.typeOf(any, at);
  }

  /**
   * The per-route (or virtual host) config: {@code null} without an entry for the filter; a config
   * that limits nothing for a disabled {@code FilterConfig} (it still overrides the filter's).
   */
  static LocalRateLimitPolicy perRoute(Map<String, Any> typedPerFilterConfig, String at) throws ResourceException {
    Any any = typedPerFilterConfig.get(FILTER_NAME);
    if (any == null) {
      return null;
    }
    return parse(any, at, at + ".typed_per_filter_config[\"" + FILTER_NAME + "\"]");
  }

  /**
   * An {@code Any} holding {@code LocalRateLimit} (in a {@code FilterConfig} or {@code TypedStruct}, or bare).
   *
   * @param scope names where the config is, for its bucket
   * @param at the field path for errors
   */
  static LocalRateLimitPolicy parse(Any any, String scope, String at) throws ResourceException {
    if (any.is(FilterConfig.class)) {
      FilterConfig fc = unpack(any, FilterConfig.getDescriptor(), FilterConfig.parser(), at);
      if (fc.getDisabled() || !fc.hasConfig()) {
        return new LocalRateLimitPolicy(scope, "", 429, null, FractionalPercent.NEVER, FractionalPercent.NEVER,
            List.of(), List.of(), false);
      }
      return parse(fc.getConfig(), scope, at + ".config");
    }
    LocalRateLimit proto = TypedConfigs.decode(any, LocalRateLimit.getDescriptor(), LocalRateLimit.parser(), at);
    return parse(proto, scope, at);
  }

  static LocalRateLimitPolicy parse(LocalRateLimit p, String scope, String at) throws ResourceException {
    if (p.getStatPrefix().isEmpty()) {
      throw new ResourceException(at + ".stat_prefix", "must not be empty");
    }
    if (p.hasLocalClusterRateLimit()) {
      throw new ResourceException(at + ".local_cluster_rate_limit", "not supported (no local cluster membership in a client)");
    }
    if (p.getLocalRateLimitPerDownstreamConnection()) {
      throw new ResourceException(at + ".local_rate_limit_per_downstream_connection",
          "not supported (a client has no downstream connections)");
    }
    if (p.getEnableXRatelimitHeaders() != XRateLimitHeadersRFCVersion.OFF) {
      throw new ResourceException(at + ".enable_x_ratelimit_headers", "not supported yet");
    }
    if (p.hasMaxDynamicDescriptors()) {
      throw new ResourceException(at + ".max_dynamic_descriptors", "not supported (no dynamic descriptors)");
    }
    // Envoy answers with 429 when status is unset or below 400
    int status = p.hasStatus() && p.getStatus().getCodeValue() >= 400 ? p.getStatus().getCodeValue() : 429;
    if (status >= 600) {
      throw new ResourceException(at + ".status.code", "must be below 600, was " + status);
    }
    LocalRateLimitPolicy.TokenBucket bucket = null;
    if (p.hasTokenBucket()) {
      bucket = bucket(p.getTokenBucket(), at + ".token_bucket");
    }
    return new LocalRateLimitPolicy(scope, p.getStatPrefix(), status, bucket,
        fraction(p.hasFilterEnabled(), p.getFilterEnabled(), at + ".filter_enabled"),
        fraction(p.hasFilterEnforced(), p.getFilterEnforced(), at + ".filter_enforced"),
        HeaderMutationParser.options(p.getRequestHeadersToAddWhenNotEnforcedList(),
            at + ".request_headers_to_add_when_not_enforced"),
        HeaderMutationParser.options(p.getResponseHeadersToAddList(), at + ".response_headers_to_add"),
        p.getRateLimitedAsResourceExhausted(), descriptors(p, at));
  }

  /** {@code descriptors}, {@code stage}, {@code vh_rate_limits}, {@code always_consume_default_token_bucket}, {@code rate_limits}. */
  private static LocalRateLimitPolicy.Descriptors descriptors(LocalRateLimit p, String at) throws ResourceException {
    if (p.getStage() > 10) {
      throw new ResourceException(at + ".stage", "must be <= 10, was " + p.getStage());
    }
    List<LocalRateLimitPolicy.Descriptor> buckets = new ArrayList<>();
    Set<List<Map.Entry<String, String>>> seen = new HashSet<>();
    for (int i = 0; i < p.getDescriptorsCount(); i++) {
      var d = p.getDescriptors(i);
      String dat = at + ".descriptors[" + i + "]";
      if (d.getEntriesCount() == 0) {
        throw new ResourceException(dat + ".entries", "must not be empty");
      }
      List<Map.Entry<String, String>> entries = new ArrayList<>();
      for (int j = 0; j < d.getEntriesCount(); j++) {
        var e = d.getEntries(j);
        if (e.getKey().isEmpty()) {
          throw new ResourceException(dat + ".entries[" + j + "].key", "must not be empty");
        }
        if (e.getValue().isEmpty()) {
          throw new ResourceException(dat + ".entries[" + j + "].value",
              "must not be empty (dynamic descriptors are not supported)");
        }
        entries.add(Map.entry(e.getKey(), e.getValue()));
      }
      if (!seen.add(entries)) {
        throw new ResourceException(dat, "duplicate descriptor " + entries);
      }
      if (!d.hasTokenBucket()) {
        throw new ResourceException(dat + ".token_bucket", "is required");
      }
      buckets.add(new LocalRateLimitPolicy.Descriptor(entries, bucket(d.getTokenBucket(), dat + ".token_bucket")));
    }
    RouteRateLimits.VirtualHostOption vh = switch (p.getVhRateLimits()) {
      case INCLUDE -> RouteRateLimits.VirtualHostOption.INCLUDE;
      case IGNORE -> RouteRateLimits.VirtualHostOption.IGNORE;
      default -> RouteRateLimits.VirtualHostOption.OVERRIDE;
    };
    boolean always = !p.hasAlwaysConsumeDefaultTokenBucket() || p.getAlwaysConsumeDefaultTokenBucket().getValue();
    var rateLimits = RateLimitParser.rateLimits(p.getRateLimitsList(), at + ".rate_limits");
    if (buckets.isEmpty() && rateLimits.isEmpty() && p.getStage() == 0 && vh == RouteRateLimits.VirtualHostOption.OVERRIDE
        && always) {
      return LocalRateLimitPolicy.Descriptors.NONE;
    }
    return new LocalRateLimitPolicy.Descriptors(buckets, p.getStage(), vh, always, rateLimits);
  }

  /** A {@code type.v3.TokenBucket}. */
  private static LocalRateLimitPolicy.TokenBucket bucket(io.envoyproxy.envoy.type.v3.TokenBucket tb, String tat)
      throws ResourceException {
    if (tb.getMaxTokens() <= 0) {
      throw new ResourceException(tat + ".max_tokens", "must be > 0");
    }
    long perFill = tb.hasTokensPerFill() ? Integer.toUnsignedLong(tb.getTokensPerFill().getValue()) : 1;
    if (perFill <= 0) {
      throw new ResourceException(tat + ".tokens_per_fill", "must be > 0");
    }
    if (!tb.hasFillInterval()) {
      throw new ResourceException(tat + ".fill_interval", "is required");
    }
    Duration interval = Protos.duration(tb.getFillInterval(), tat + ".fill_interval");
    if (interval.compareTo(MIN_FILL_INTERVAL) < 0) {
      throw new ResourceException(tat + ".fill_interval", "must be >= 50ms, was " + interval.toMillis() + "ms");
    }
    return new LocalRateLimitPolicy.TokenBucket(Integer.toUnsignedLong(tb.getMaxTokens()), perFill, interval);
  }

  /** A {@code RuntimeFractionalPercent}'s default value; unset means 0 % (Envoy's default for both fractions). */
  private static FractionalPercent fraction(boolean present, RuntimeFractionalPercent f, String at)
      throws ResourceException {
    return present ? Protos.percent(f.getDefaultValue(), at + ".default_value") : FractionalPercent.NEVER;
  }

  private static <T extends Message> T unpack(Any any, com.google.protobuf.Descriptors.Descriptor type,
      com.google.protobuf.Parser<T> parser, String at) throws ResourceException {
    return TypedConfigs.unpack(any, type, parser, at);
  }
}
