package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/**
 * Envoy {@code config.route.v3.RateLimit}: one descriptor built from a request, on a route's or a
 * virtual host's {@code rate_limits}. Each action appends one entry; an action that cannot (a
 * missing header without {@code skip_if_absent}, a header match that fails, an unknown address)
 * drops the whole descriptor, as Envoy's {@code RateLimitPolicyEntry} does.
 *
 * @param stage {@code stage} (0–10): only filters configured with the same stage use this entry
 * @param actions {@code actions}, in order; at least one
 */
public record RateLimit(int stage, List<Action> actions) {
  /**
   * Checks the components and keeps an immutable copy of the actions.
   *
   * @param stage {@code stage}, in [0, 10]
   * @param actions {@code actions}, at least one
   * @throws IllegalArgumentException if {@code stage} is out of range or there is no action
   */
  public RateLimit {
    actions = List.copyOf(actions);
    if (stage < 0 || stage > 10) {
      throw new IllegalArgumentException("rate limit stage must be in [0, 10], was " + stage);
    }
    if (actions.isEmpty()) {
      throw new IllegalArgumentException("rate limit needs at least one action");
    }
  }

  /** One {@code RateLimit.Action}: how a descriptor entry is made from the request. */
  public sealed interface Action permits SourceCluster, DestinationCluster, RequestHeaders, RemoteAddress,
      GenericKey, HeaderValueMatch {}

  /** {@code source_cluster}: entry {@code ("source_cluster", <the local service cluster>)}. */
  public record SourceCluster() implements Action {}

  /** {@code destination_cluster}: entry {@code ("destination_cluster", <the routed cluster>)}. */
  public record DestinationCluster() implements Action {}

  /**
   * {@code request_headers}: entry {@code (descriptorKey, <the header's value>)}.
   *
   * @param headerName {@code header_name}, lower case
   * @param descriptorKey {@code descriptor_key}
   * @param skipIfAbsent {@code skip_if_absent}: a missing header skips this entry instead of the descriptor
   */
  public record RequestHeaders(String headerName, String descriptorKey, boolean skipIfAbsent) implements Action {
    /**
     * Checks the names.
     *
     * @param headerName {@code header_name}
     * @param descriptorKey {@code descriptor_key}
     * @param skipIfAbsent {@code skip_if_absent}
     * @throws IllegalArgumentException if a name is empty
     */
    public RequestHeaders {
      if (headerName == null || headerName.isEmpty() || descriptorKey == null || descriptorKey.isEmpty()) {
        throw new IllegalArgumentException("request_headers needs header_name and descriptor_key");
      }
      headerName = headerName.toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** {@code remote_address}: entry {@code ("remote_address", <the downstream IP>)}. */
  public record RemoteAddress() implements Action {}

  /**
   * {@code generic_key}: entry {@code (descriptorKey, descriptorValue)}.
   *
   * @param descriptorKey {@code descriptor_key} (Envoy's default {@code generic_key})
   * @param descriptorValue {@code descriptor_value}
   */
  public record GenericKey(String descriptorKey, String descriptorValue) implements Action {
    /**
     * Checks the components.
     *
     * @param descriptorKey {@code descriptor_key}
     * @param descriptorValue {@code descriptor_value}, not empty
     * @throws IllegalArgumentException if the value is empty
     */
    public GenericKey {
      Objects.requireNonNull(descriptorKey, "descriptorKey");
      if (descriptorValue == null || descriptorValue.isEmpty()) {
        throw new IllegalArgumentException("generic_key needs a descriptor_value");
      }
    }
  }

  /**
   * {@code header_value_match}: entry {@code (descriptorKey, descriptorValue)} when every matcher
   * matches (or, with {@code expect_match: false}, when not all of them do).
   *
   * @param descriptorKey {@code descriptor_key} (Envoy's default {@code header_match})
   * @param descriptorValue {@code descriptor_value}
   * @param expectMatch {@code expect_match} (default {@code true})
   * @param headers {@code headers}, all of which must match
   */
  public record HeaderValueMatch(String descriptorKey, String descriptorValue, boolean expectMatch,
      List<HeaderMatcher> headers) implements Action {
    /**
     * Checks the components and keeps an immutable copy of the matchers.
     *
     * @param descriptorKey {@code descriptor_key}
     * @param descriptorValue {@code descriptor_value}, not empty
     * @param expectMatch {@code expect_match}
     * @param headers {@code headers}, at least one
     * @throws IllegalArgumentException if the value is empty or there is no matcher
     */
    public HeaderValueMatch {
      Objects.requireNonNull(descriptorKey, "descriptorKey");
      headers = List.copyOf(headers);
      if (descriptorValue == null || descriptorValue.isEmpty() || headers.isEmpty()) {
        throw new IllegalArgumentException("header_value_match needs a descriptor_value and headers");
      }
    }
  }
}
