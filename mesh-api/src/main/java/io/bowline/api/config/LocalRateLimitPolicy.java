package io.bowline.api.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Envoy {@code extensions.filters.http.local_ratelimit.v3.LocalRateLimit} (filter
 * {@code envoy.filters.http.local_ratelimit}): a token bucket shared by every request the config
 * applies to. A request takes one token; with none left, and when enabled and enforced for it, it is
 * answered locally with {@link #status()} (flag {@code RL}, header {@code x-envoy-ratelimited}).
 *
 * @param scope where the config came from (e.g. {@code listener reviews:9080 http_filters[0]} or
 *     {@code route_config r virtual_hosts[0].routes[1]}): equal scope and config share one bucket
 * @param statPrefix {@code stat_prefix}
 * @param status {@code status.code}: the HTTP status of a rate-limited reply (Envoy's default 429)
 * @param tokenBucket {@code token_bucket}, or {@code null}: then nothing is limited
 * @param filterEnabled {@code filter_enabled.default_value}: the share of requests checked against
 *     the bucket ({@link FractionalPercent#NEVER} when unset, as in Envoy)
 * @param filterEnforced {@code filter_enforced.default_value}: the share of limited requests that are
 *     answered locally; the others go on ({@link FractionalPercent#NEVER} when unset)
 * @param requestHeadersWhenNotEnforced {@code request_headers_to_add_when_not_enforced}
 * @param responseHeaders {@code response_headers_to_add}: added to the rate-limited reply
 * @param rateLimitedAsResourceExhausted {@code rate_limited_as_resource_exhausted}: gRPC calls get
 *     {@code RESOURCE_EXHAUSTED} instead of the status mapped from {@link #status()}
 * @param descriptors {@code descriptors} with their buckets and how requests get descriptors
 *     ({@link Descriptors#NONE} without)
 */
public record LocalRateLimitPolicy(
    String scope, String statPrefix, int status, TokenBucket tokenBucket, FractionalPercent filterEnabled,
    FractionalPercent filterEnforced, List<HeaderValueOption> requestHeadersWhenNotEnforced,
    List<HeaderValueOption> responseHeaders, boolean rateLimitedAsResourceExhausted, Descriptors descriptors) {

  /**
   * A config without descriptors.
   *
   * @param scope where the config came from: equal scope and config share one bucket
   * @param statPrefix {@code stat_prefix}
   * @param status the HTTP status of a rate-limited reply, in [400, 600)
   * @param tokenBucket {@code token_bucket}, or {@code null}
   * @param filterEnabled the share of requests checked against the bucket
   * @param filterEnforced the share of limited requests answered locally
   * @param requestHeadersWhenNotEnforced {@code request_headers_to_add_when_not_enforced}
   * @param responseHeaders {@code response_headers_to_add}
   * @param rateLimitedAsResourceExhausted {@code rate_limited_as_resource_exhausted}
   */
  public LocalRateLimitPolicy(
      String scope, String statPrefix, int status, TokenBucket tokenBucket, FractionalPercent filterEnabled,
      FractionalPercent filterEnforced, List<HeaderValueOption> requestHeadersWhenNotEnforced,
      List<HeaderValueOption> responseHeaders, boolean rateLimitedAsResourceExhausted) {
    this(scope, statPrefix, status, tokenBucket, filterEnabled, filterEnforced, requestHeadersWhenNotEnforced,
        responseHeaders, rateLimitedAsResourceExhausted, Descriptors.NONE);
  }

  /**
   * The descriptor part of {@code LocalRateLimit}: buckets per descriptor, and where a request's
   * descriptors come from (the route's {@code rate_limits} of {@code stage}, combined with its virtual
   * host's as {@code vh_rate_limits} says, or the filter's own {@code rate_limits}).
   *
   * @param buckets {@code descriptors}: each exact list of entries with its bucket
   * @param stage {@code stage} (0–10)
   * @param virtualHostOption {@code vh_rate_limits} (Envoy's default OVERRIDE)
   * @param alwaysConsumeDefaultBucket {@code always_consume_default_token_bucket} (default {@code true}):
   *     a request whose descriptors matched also takes a token from {@link #tokenBucket()}
   * @param rateLimits the filter's own {@code rate_limits}; when not empty they replace the route's
   */
  public record Descriptors(List<Descriptor> buckets, int stage, RouteRateLimits.VirtualHostOption virtualHostOption,
      boolean alwaysConsumeDefaultBucket, List<RateLimit> rateLimits) {
    /** No descriptors. */
    public static final Descriptors NONE =
        new Descriptors(List.of(), 0, RouteRateLimits.VirtualHostOption.OVERRIDE, true, List.of());

    /**
     * Checks the components and keeps immutable copies of the lists.
     *
     * @param buckets {@code descriptors}
     * @param stage {@code stage}, in [0, 10]
     * @param virtualHostOption {@code vh_rate_limits}
     * @param alwaysConsumeDefaultBucket {@code always_consume_default_token_bucket}
     * @param rateLimits the filter's own {@code rate_limits}
     * @throws IllegalArgumentException if {@code stage} is out of range
     */
    public Descriptors {
      buckets = List.copyOf(buckets);
      rateLimits = List.copyOf(rateLimits);
      Objects.requireNonNull(virtualHostOption, "virtualHostOption");
      if (stage < 0 || stage > 10) {
        throw new IllegalArgumentException("local rate limit stage must be in [0, 10], was " + stage);
      }
    }
  }

  /**
   * Envoy {@code common.ratelimit.v3.LocalRateLimitDescriptor}: a request descriptor equal to
   * {@code entries} (same keys and values, in order) takes a token from {@code tokenBucket}.
   *
   * @param entries the (key, value) entries, at least one
   * @param tokenBucket the descriptor's bucket
   */
  public record Descriptor(List<Map.Entry<String, String>> entries, TokenBucket tokenBucket) {
    /**
     * Checks the components and keeps an immutable copy of the entries.
     *
     * @param entries the entries, at least one
     * @param tokenBucket the bucket
     * @throws IllegalArgumentException if there is no entry
     * @throws NullPointerException if the bucket is {@code null}
     */
    public Descriptor {
      entries = entries.stream().map(e -> Map.entry(e.getKey(), e.getValue())).toList();
      Objects.requireNonNull(tokenBucket, "tokenBucket");
      if (entries.isEmpty()) {
        throw new IllegalArgumentException("a local rate limit descriptor needs entries");
      }
    }
  }

  /**
   * Checks the components and keeps immutable copies of its lists.
   *
   * @param scope where the config came from: equal scope and config share one bucket
   * @param statPrefix {@code stat_prefix}
   * @param status the HTTP status of a rate-limited reply, in [400, 600)
   * @param tokenBucket {@code token_bucket}, or {@code null}
   * @param filterEnabled the share of requests checked against the bucket
   * @param filterEnforced the share of limited requests answered locally
   * @param requestHeadersWhenNotEnforced {@code request_headers_to_add_when_not_enforced}
   * @param responseHeaders {@code response_headers_to_add}
   * @param rateLimitedAsResourceExhausted {@code rate_limited_as_resource_exhausted}
   * @param descriptors the descriptors; {@code null} for {@link Descriptors#NONE}
   * @throws NullPointerException if a component other than {@code tokenBucket} is {@code null}
   * @throws IllegalArgumentException if {@code status} is not in [400, 600)
   */
  public LocalRateLimitPolicy {
    descriptors = descriptors == null ? Descriptors.NONE : descriptors;
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(statPrefix, "statPrefix");
    Objects.requireNonNull(filterEnabled, "filterEnabled");
    Objects.requireNonNull(filterEnforced, "filterEnforced");
    requestHeadersWhenNotEnforced = List.copyOf(requestHeadersWhenNotEnforced);
    responseHeaders = List.copyOf(responseHeaders);
    if (status < 400 || status >= 600) {
      throw new IllegalArgumentException("status must be in [400, 600), was " + status);
    }
  }

  /**
   * Whether any request can be limited: a bucket, enabled for some requests.
   *
   * @return {@code true} if this config can limit
   */
  public boolean limits() {
    return tokenBucket != null && filterEnabled.numerator() > 0;
  }

  /**
   * This config under another {@link #scope()}.
   *
   * @param s the new scope
   * @return a copy with scope {@code s}
   */
  public LocalRateLimitPolicy withScope(String s) {
    return new LocalRateLimitPolicy(s, statPrefix, status, tokenBucket, filterEnabled, filterEnforced,
        requestHeadersWhenNotEnforced, responseHeaders, rateLimitedAsResourceExhausted, descriptors);
  }

  /**
   * Envoy {@code type.v3.TokenBucket}: starts full; every {@code fillInterval} adds
   * {@code tokensPerFill} tokens, never above {@code maxTokens}.
   *
   * @param maxTokens {@code max_tokens}, &gt; 0
   * @param tokensPerFill {@code tokens_per_fill}, &gt; 0 (Envoy's default 1)
   * @param fillInterval {@code fill_interval}, &gt; 0
   */
  public record TokenBucket(long maxTokens, long tokensPerFill, Duration fillInterval) {
    /**
     * Checks the bounds.
     *
     * @param maxTokens {@code max_tokens}, &gt; 0
     * @param tokensPerFill {@code tokens_per_fill}, &gt; 0
     * @param fillInterval {@code fill_interval}, &gt; 0
     * @throws IllegalArgumentException if a count or the interval is not positive
     */
    public TokenBucket {
      if (maxTokens <= 0 || tokensPerFill <= 0 || fillInterval == null || fillInterval.isNegative()
          || fillInterval.isZero()) {
        throw new IllegalArgumentException("token bucket needs max_tokens > 0, tokens_per_fill > 0, fill_interval > 0");
      }
    }
  }
}
