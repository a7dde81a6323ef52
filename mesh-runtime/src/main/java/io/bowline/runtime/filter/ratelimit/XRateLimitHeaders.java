package io.bowline.runtime.filter.ratelimit;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.util.List;
import java.util.Map;

/**
 * The {@code x-ratelimit-*} headers of draft-polli-ratelimit-headers-03, as Envoy's
 * {@code enable_x_ratelimit_headers: DRAFT_VERSION_03} writes them from the service's descriptor
 * statuses: the status with the fewest requests remaining gives {@code x-ratelimit-limit} (its
 * {@code requests_per_unit}, then the quota policy of every status with a limit, e.g.
 * {@code 10, 10;w=60, 1000;w=3600;name="per-ip"}), {@code x-ratelimit-remaining} and
 * {@code x-ratelimit-reset} (seconds).
 */
final class XRateLimitHeaders {
  static final String LIMIT = "x-ratelimit-limit";
  static final String REMAINING = "x-ratelimit-remaining";
  static final String RESET = "x-ratelimit-reset";

  private XRateLimitHeaders() {}

  /** Adds the three headers to {@code headers} when a status carries a limit. */
  static void add(List<RateLimitResponse.DescriptorStatus> statuses, Map<String, String> headers) {
    RateLimitResponse.DescriptorStatus min = null;
    StringBuilder policy = new StringBuilder();
    for (RateLimitResponse.DescriptorStatus s : statuses) {
      if (!s.hasCurrentLimit()) {
        continue;
      }
      if (min == null || Integer.compareUnsigned(s.getLimitRemaining(), min.getLimitRemaining()) < 0) {
        min = s;
      }
      long window = windowSeconds(s.getCurrentLimit().getUnit());
      if (window > 0) {
        policy.append(", ").append(Integer.toUnsignedString(s.getCurrentLimit().getRequestsPerUnit()))
            .append(";w=").append(window);
        if (!s.getCurrentLimit().getName().isEmpty()) {
          policy.append(";name=\"").append(s.getCurrentLimit().getName()).append('"');
        }
      }
    }
    if (min == null) {
      return;
    }
    headers.put(LIMIT, Integer.toUnsignedString(min.getCurrentLimit().getRequestsPerUnit()) + policy);
    headers.put(REMAINING, Integer.toUnsignedString(min.getLimitRemaining()));
    headers.put(RESET, Long.toString(min.getDurationUntilReset().getSeconds()));
  }

  /** The unit's window in seconds; 0 for {@code UNKNOWN}. */
  static long windowSeconds(RateLimitResponse.RateLimit.Unit unit) {
    return switch (unit) {
      case SECOND -> 1;
      case MINUTE -> 60;
      case HOUR -> 3600;
      case DAY -> 86400;
      case WEEK -> 604800;
      case MONTH -> 2592000;
      case YEAR -> 31536000;
      default -> 0;
    };
  }
}
