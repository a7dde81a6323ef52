package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/** What a matching {@link Route} does: Envoy {@code Route.action}. */
public sealed interface RouteAction {

  /** The actions that forward upstream ({@code route}); they share {@link ForwardOptions}. */
  sealed interface Forwarding extends RouteAction {
    /**
     * Rewrites, hash policies and the cluster-not-found code of the {@code RouteAction}.
     *
     * @return the options
     */
    ForwardOptions options();
  }

  /** {@code route.cluster}: send to one cluster. */
  record ToCluster(String cluster, ForwardOptions options) implements Forwarding {
    /**
     * Checks the components.
     *
     * @param cluster {@code route.cluster}
     * @param options rewrites, hash policies and the cluster-not-found code
     * @throws NullPointerException if a required component is {@code null}
     */
    public ToCluster {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(options, "options");
    }

    /**
     * No rewrites, default options.
     *
     * @param cluster {@code route.cluster}
     */
    public ToCluster(String cluster) {
      this(cluster, ForwardOptions.NONE);
    }
  }

  /**
   * {@code route.weighted_clusters}: pick one cluster with probability weight / sum of weights.
   *
   * @param clusters in declaration order; weight-0 entries are kept but never picked
   */
  record ToWeightedClusters(List<ClusterWeight> clusters, ForwardOptions options) implements Forwarding {
    /**
     * Checks the components and keeps immutable copies of its collections.
     *
     * @param clusters in declaration order; weight-0 entries are kept but never picked
     * @param options rewrites, hash policies and the cluster-not-found code
     * @throws NullPointerException if a required component is {@code null}
     * @throws IllegalArgumentException if a component is outside the range its description gives
     */
    public ToWeightedClusters {
      clusters = List.copyOf(clusters);
      Objects.requireNonNull(options, "options");
      long total = clusters.stream().mapToLong(ClusterWeight::weight).sum();
      if (total <= 0 || total > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException(
            "weighted_clusters: the sum of weights must be in [1, 4294967295], was " + total);
      }
    }

    /**
     * No rewrites, default options.
     *
     * @param clusters in declaration order; weight-0 entries are kept but never picked
     */
    public ToWeightedClusters(List<ClusterWeight> clusters) {
      this(clusters, ForwardOptions.NONE);
    }

    /**
     * Sum of all weights.
     *
     * @return the sum, unsigned 32-bit weights added as {@code long}
     */
    public long totalWeight() {
      return clusters.stream().mapToLong(ClusterWeight::weight).sum();
    }
  }

  /**
   * {@code route.cluster_header}: the cluster named by the first value of request header
   * {@code header}. A missing header or an unknown cluster is answered with 404 (Envoy's proto).
   */
  record ToClusterHeader(String header, ForwardOptions options) implements Forwarding {
    /**
     * Checks the components.
     *
     * @param header the request header naming the cluster
     * @param options rewrites, hash policies and the cluster-not-found code
     * @throws NullPointerException if a required component is {@code null}
     */
    public ToClusterHeader {
      Objects.requireNonNull(header, "cluster_header");
      Objects.requireNonNull(options, "options");
      header = header.toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** {@code direct_response}: answer locally with {@code status} (100–599) and {@code body}. */
  record DirectResponse(int status, String body) implements RouteAction {
    /**
     * Checks the components.
     *
     * @param status the HTTP status, 100–599
     * @param body the response body, possibly empty
     * @throws NullPointerException if a required component is {@code null}
     * @throws IllegalArgumentException if a component is outside the range its description gives
     */
    public DirectResponse {
      if (status < 100 || status > 599) {
        throw new IllegalArgumentException("direct_response.status must be in [100, 599], was " + status);
      }
      Objects.requireNonNull(body, "body");
    }
  }

  /**
   * {@code redirect} ({@code RedirectAction}): answer with a 3xx whose {@code location} is the
   * request URL with the given parts replaced. Returned to the caller, never followed.
   *
   * @param scheme {@code scheme_redirect} ({@code https} for {@code https_redirect}), or {@code null}
   * @param host {@code host_redirect}, or {@code null}
   * @param port {@code port_redirect}, or 0 to keep the request's
   * @param path {@code path_redirect} (may carry a query), or {@code null}
   * @param rewrite {@code prefix_rewrite} or {@code regex_rewrite} applied to the path, or {@code null}
   * @param responseCode 301 (default), 302, 303, 307 or 308
   * @param stripQuery {@code strip_query}
   */
  record Redirect(
      String scheme, String host, int port, String path, PathRewrite rewrite, int responseCode, boolean stripQuery)
      implements RouteAction {
    /**
     * Checks the components.
     *
     * @param scheme {@code scheme_redirect} ({@code https} for {@code https_redirect}), or {@code null}
     * @param host {@code host_redirect}, or {@code null}
     * @param port {@code port_redirect}, or 0 to keep the request's
     * @param path {@code path_redirect} (may carry a query), or {@code null}
     * @param rewrite {@code prefix_rewrite} or {@code regex_rewrite} applied to the path, or {@code null}
     * @param responseCode 301 (default), 302, 303, 307 or 308
     * @param stripQuery {@code strip_query}
     * @throws IllegalArgumentException if a component is outside the range its description gives
     */
    public Redirect {
      if (responseCode != 301 && responseCode != 302 && responseCode != 303
          && responseCode != 307 && responseCode != 308) {
        throw new IllegalArgumentException("redirect.response_code must be 301, 302, 303, 307 or 308, was " + responseCode);
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("redirect.port_redirect out of range: " + port);
      }
    }
  }

  /**
   * The parts of an Envoy {@code RouteAction} beside the cluster choice that routing applies.
   *
   * @param pathRewrite {@code prefix_rewrite} / {@code regex_rewrite}, or {@code null}
   * @param hostRewriteLiteral {@code host_rewrite_literal}, or {@code null}
   * @param hashPolicies {@code hash_policy}, in order
   * @param clusterNotFoundResponseCode {@code cluster_not_found_response_code}: 503 (default), 404 or 500
   * @param hostRewrite {@code host_rewrite_header}, {@code host_rewrite_path_regex} or
   *     {@code auto_host_rewrite}, or {@code null}; at most one of this and {@code hostRewriteLiteral}
   * @param appendXForwardedHost {@code append_x_forwarded_host}: when one of these rewrites changes
   *     the host, the host it had is appended to {@code x-forwarded-host} (unless it is already the
   *     last value there)
   */
  record ForwardOptions(
      PathRewrite pathRewrite, String hostRewriteLiteral, List<HashPolicy> hashPolicies, int clusterNotFoundResponseCode,
      HostRewrite hostRewrite, boolean appendXForwardedHost) {
    /** Nothing rewritten, no hash policy, 503 for an unknown cluster. */
    public static final ForwardOptions NONE = new ForwardOptions(null, null, List.of(), 503);

    /**
     * Checks and copies the components.
     *
     * @param pathRewrite {@code prefix_rewrite} / {@code regex_rewrite}, or {@code null}
     * @param hostRewriteLiteral {@code host_rewrite_literal}, or {@code null}
     * @param hashPolicies {@code hash_policy}, in order
     * @param clusterNotFoundResponseCode {@code cluster_not_found_response_code}: 503 (default), 404 or 500
     * @param hostRewrite {@code host_rewrite_header}, {@code host_rewrite_path_regex} or {@code
     *     auto_host_rewrite}, or {@code null}; at most one of this and {@code hostRewriteLiteral}
     * @param appendXForwardedHost {@code append_x_forwarded_host}: when one of these rewrites changes the
     *     host, the host it had is appended to {@code x-forwarded-host} (unless it is already the last value
     *     there)
     * @throws IllegalArgumentException if both host rewrites are set or the code is not 503, 404 or 500
     */
    public ForwardOptions {
      hashPolicies = List.copyOf(hashPolicies);
      if (clusterNotFoundResponseCode != 503 && clusterNotFoundResponseCode != 404 && clusterNotFoundResponseCode != 500) {
        throw new IllegalArgumentException("cluster_not_found_response_code must map to 503, 404 or 500");
      }
      if (hostRewriteLiteral != null && hostRewrite != null) {
        throw new IllegalArgumentException("only one host_rewrite_specifier may be set");
      }
    }

    /**
     * Options that leave {@code x-forwarded-host} alone.
     *
     * @param pathRewrite {@code prefix_rewrite} / {@code regex_rewrite}, or {@code null}
     * @param hostRewriteLiteral {@code host_rewrite_literal}, or {@code null}
     * @param hashPolicies {@code hash_policy}, in order
     * @param clusterNotFoundResponseCode {@code cluster_not_found_response_code}: 503 (default), 404 or 500
     * @param hostRewrite {@code host_rewrite_header}, {@code host_rewrite_path_regex} or {@code
     *     auto_host_rewrite}, or {@code null}; at most one of this and {@code hostRewriteLiteral}
     */
    public ForwardOptions(
        PathRewrite pathRewrite, String hostRewriteLiteral, List<HashPolicy> hashPolicies, int clusterNotFoundResponseCode,
        HostRewrite hostRewrite) {
      this(pathRewrite, hostRewriteLiteral, hashPolicies, clusterNotFoundResponseCode, hostRewrite, false);
    }

    /**
     * Options with at most a literal host rewrite.
     *
     * @param pathRewrite {@code prefix_rewrite} / {@code regex_rewrite}, or {@code null}
     * @param hostRewriteLiteral {@code host_rewrite_literal}, or {@code null}
     * @param hashPolicies {@code hash_policy}, in order
     * @param clusterNotFoundResponseCode {@code cluster_not_found_response_code}: 503 (default), 404 or 500
     */
    public ForwardOptions(
        PathRewrite pathRewrite, String hostRewriteLiteral, List<HashPolicy> hashPolicies, int clusterNotFoundResponseCode) {
      this(pathRewrite, hostRewriteLiteral, hashPolicies, clusterNotFoundResponseCode, null);
    }
  }

  /**
   * A host rewrite computed from the request or from the upstream host: Envoy
   * {@code RouteAction.host_rewrite_specifier}.
   */
  sealed interface HostRewrite {
    /**
     * {@code auto_host_rewrite: true}: each attempt's {@code :authority} becomes the host name of
     * the endpoint the load balancer chose ({@link Endpoint#hostname()}); an endpoint without one
     * leaves the host as it was.
     */
    record Auto() implements HostRewrite {
      /** The one instance. */
      public static final Auto INSTANCE = new Auto();
    }

    /**
     * {@code host_rewrite_header}: the host becomes the (first) value of request header
     * {@code name}; an absent or empty header leaves the host as it was.
     */
    record Header(String name) implements HostRewrite {
      /**
       * Checks the components.
       *
       * @param name the request header whose value becomes the host
       * @throws NullPointerException if a required component is {@code null}
       */
      public Header {
        Objects.requireNonNull(name, "host_rewrite_header");
      }
    }

    /**
     * {@code host_rewrite_path_regex} ({@code RegexMatchAndSubstitute}): the host becomes the RE2
     * replace-all of {@code pattern} by {@code substitution} ({@code \N} names group N) over the
     * path without its query; an empty result leaves the host as it was.
     */
    record PathRegex(String pattern, String substitution) implements HostRewrite {
      /**
       * Checks the components.
       *
       * @param pattern RE2 regular expression matched against the path without its query
       * @param substitution the replacement, {@code \N} naming capture group N
       * @throws NullPointerException if a required component is {@code null}
       */
      public PathRegex {
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(substitution, "substitution");
      }
    }
  }

  /**
   * One entry of {@code weighted_clusters.clusters}.
   *
   * @param name cluster name ({@code ""} when {@code clusterHeader} names it)
   * @param weight relative weight, ≥ 0 (unsigned 32-bit in the proto)
   * @param headers the entry's {@code request/response_headers_to_add/remove}
   * @param hostRewriteLiteral the entry's {@code host_rewrite_literal}, or {@code null}
   * @param clusterHeader the entry's {@code cluster_header}: the cluster is the (first) value of this
   *     request header, a missing header or unknown cluster being a 404 ({@code NC}); or {@code null}
   */
  record ClusterWeight(String name, long weight, HeaderMutations headers, String hostRewriteLiteral, String clusterHeader) {
    /**
     * Checks the components.
     *
     * @param name cluster name ({@code ""} when {@code clusterHeader} names it)
     * @param weight relative weight, ≥ 0 (unsigned 32-bit in the proto)
     * @param headers the entry's {@code request/response_headers_to_add/remove}
     * @param hostRewriteLiteral the entry's {@code host_rewrite_literal}, or {@code null}
     * @param clusterHeader the entry's {@code cluster_header}: the cluster is the (first) value of this
     *     request header, a missing header or unknown cluster being a 404 ({@code NC}); or {@code null}
     * @throws IllegalArgumentException if the weight is out of range, or not exactly one of a
     *     non-empty {@code name} and {@code clusterHeader} is given
     */
    public ClusterWeight {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(headers, "headers");
      if (weight < 0 || weight > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException("weight of " + name + " out of range: " + weight);
      }
      if (name.isEmpty() == (clusterHeader == null || clusterHeader.isEmpty())) {
        throw new IllegalArgumentException("weighted cluster: exactly one of name and cluster_header must be set");
      }
    }

    /**
     * An entry naming its cluster.
     *
     * @param name cluster name ({@code ""} when {@code clusterHeader} names it)
     * @param weight relative weight, ≥ 0 (unsigned 32-bit in the proto)
     * @param headers the entry's {@code request/response_headers_to_add/remove}
     * @param hostRewriteLiteral the entry's {@code host_rewrite_literal}, or {@code null}
     */
    public ClusterWeight(String name, long weight, HeaderMutations headers, String hostRewriteLiteral) {
      this(name, weight, headers, hostRewriteLiteral, null);
    }

    /**
     * A plain entry: no header edits, no host rewrite.
     *
     * @param name cluster name ({@code ""} when {@code clusterHeader} names it)
     * @param weight relative weight, ≥ 0 (unsigned 32-bit in the proto)
     */
    public ClusterWeight(String name, long weight) {
      this(name, weight, HeaderMutations.NONE, null);
    }
  }
}
