package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/** What a matching {@link Route} does: Envoy {@code Route.action}. */
public sealed interface RouteAction {

  /** {@code route.cluster}: send to one cluster. */
  record ToCluster(String cluster) implements RouteAction {
    public ToCluster {
      Objects.requireNonNull(cluster, "cluster");
    }
  }

  /**
   * {@code route.weighted_clusters}: pick one cluster with probability weight / sum of weights.
   *
   * @param clusters in declaration order; weight-0 entries are kept but never picked
   */
  record ToWeightedClusters(List<ClusterWeight> clusters) implements RouteAction {
    public ToWeightedClusters {
      clusters = List.copyOf(clusters);
      long total = clusters.stream().mapToLong(ClusterWeight::weight).sum();
      if (total <= 0 || total > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException(
            "weighted_clusters: the sum of weights must be in [1, 4294967295], was " + total);
      }
    }

    /** Sum of all weights. */
    public long totalWeight() {
      return clusters.stream().mapToLong(ClusterWeight::weight).sum();
    }
  }

  /** {@code direct_response}: answer locally with {@code status} (100–599) and {@code body}. */
  record DirectResponse(int status, String body) implements RouteAction {
    public DirectResponse {
      if (status < 100 || status > 599) {
        throw new IllegalArgumentException("direct_response.status must be in [100, 599], was " + status);
      }
      Objects.requireNonNull(body, "body");
    }
  }

  /**
   * One entry of {@code weighted_clusters.clusters}.
   *
   * @param name cluster name
   * @param weight relative weight, ≥ 0 (unsigned 32-bit in the proto)
   */
  record ClusterWeight(String name, long weight) {
    public ClusterWeight {
      Objects.requireNonNull(name, "name");
      if (weight < 0 || weight > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException("weight of " + name + " out of range: " + weight);
      }
    }
  }
}
