package io.bowline.controlplane.istio;

import java.time.Duration;
import java.util.List;

/**
 * The resilience and traffic-experiment fields of one Istio {@code HTTPRoute}: {@code timeout},
 * {@code retries}, {@code fault}, {@code mirror} / {@code mirrorPercentage} / {@code mirrors}.
 *
 * @param timeout {@code timeout}, or {@code null} when unset (istiod then writes 0: no timeout)
 * @param retries {@code retries}, or {@code null} when unset (the mesh default policy applies)
 * @param fault {@code fault}, or {@code null}
 * @param mirrors {@code mirror} (first, with {@code mirrorPercentage}) then {@code mirrors[]}
 * @param cors {@code corsPolicy}, or {@code null}
 */
public record HttpPolicies(Duration timeout, Retries retries, Fault fault, List<Mirror> mirrors, Cors cors) {
  /** A rule with none of these fields. */
  public static final HttpPolicies NONE = new HttpPolicies(null, null, null, List.of(), null);

  /** Policies without CORS. */
  public HttpPolicies(Duration timeout, Retries retries, Fault fault, List<Mirror> mirrors) {
    this(timeout, retries, fault, mirrors, null);
  }

  /**
   * Istio {@code CorsPolicy}.
   *
   * @param allowOrigins {@code allowOrigins} ({@code StringMatch}: kind {@code exact}/{@code prefix}/{@code regex}
   *     and value), else the deprecated {@code allowOrigin} strings as exact matches
   * @param allowMethods {@code allowMethods}
   * @param allowHeaders {@code allowHeaders}
   * @param exposeHeaders {@code exposeHeaders}
   * @param maxAge {@code maxAge}, or {@code null}
   * @param allowCredentials {@code allowCredentials}, or {@code null} when unset
   * @param unmatchedPreflights {@code unmatchedPreflights}: {@code FORWARD} (default) or {@code IGNORE}
   */
  public record Cors(List<OriginMatch> allowOrigins, List<String> allowMethods, List<String> allowHeaders,
      List<String> exposeHeaders, Duration maxAge, Boolean allowCredentials, String unmatchedPreflights) {
    /** Copies the lists. */
    public Cors {
      allowOrigins = List.copyOf(allowOrigins);
      allowMethods = List.copyOf(allowMethods);
      allowHeaders = List.copyOf(allowHeaders);
      exposeHeaders = List.copyOf(exposeHeaders);
    }
  }

  /**
   * One {@code allowOrigins[]} entry (an Istio {@code StringMatch}).
   *
   * @param kind {@code exact}, {@code prefix} or {@code regex}
   * @param value the string or RE2 regex
   */
  public record OriginMatch(String kind, String value) {}

  public HttpPolicies {
    mirrors = List.copyOf(mirrors);
  }

  /**
   * Istio {@code HTTPRetry}.
   *
   * @param attempts {@code attempts} (retries, not total attempts; ≤ 0 means no retry policy)
   * @param perTryTimeout {@code perTryTimeout}, or {@code null}
   * @param retryOn {@code retryOn} as written, or {@code ""}
   * @param retryIgnorePreviousHosts {@code retryIgnorePreviousHosts} (default true)
   * @param retryRemoteLocalities {@code retryRemoteLocalities} (default false)
   * @param backoff {@code backoff}, or {@code null}
   */
  public record Retries(
      int attempts, Duration perTryTimeout, String retryOn, boolean retryIgnorePreviousHosts,
      boolean retryRemoteLocalities, Duration backoff) {}

  /**
   * Istio {@code HTTPFaultInjection}.
   *
   * @param delayFixed {@code delay.fixedDelay}, or {@code null}
   * @param delayPercent {@code delay.percentage.value} (0–100), or the deprecated {@code delay.percent};
   *     {@code -1} when neither is set (never delayed)
   * @param abortHttpStatus {@code abort.httpStatus}, or 0
   * @param abortGrpcStatus {@code abort.grpcStatus} as a code, or -1
   * @param abortPercent {@code abort.percentage.value} (0–100); {@code -1} when unset (never aborted)
   */
  public record Fault(
      Duration delayFixed, double delayPercent, int abortHttpStatus, int abortGrpcStatus, double abortPercent) {}

  /**
   * One mirror target.
   *
   * @param destination where to mirror
   * @param percent {@code mirrorPercentage.value} / {@code percentage.value} (0–100), or {@code -1}
   *     when unset (100 %)
   */
  public record Mirror(VirtualService.Destination destination, double percent) {}
}
