package io.bowline.api.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One active health check of a cluster (Envoy {@code config.core.v3.HealthCheck}, an entry of
 * {@code Cluster.health_checks}): each host is probed every interval; {@code unhealthyThreshold}
 * failed probes in a row (one for an HTTP status outside the expected and retriable ones, or a gRPC
 * {@code NOT_SERVING}) mark it {@code FAILED_ACTIVE_HC}, {@code healthyThreshold} passed probes in
 * a row clear it.
 *
 * @param timeout {@code timeout}: a probe without an answer by then failed
 * @param interval {@code interval} between probes of a host
 * @param intervalJitter {@code interval_jitter}: up to this much is added to each interval, at random
 * @param intervalJitterPercent {@code interval_jitter_percent}: up to this percent of the interval is
 *     added too
 * @param unhealthyThreshold {@code unhealthy_threshold}, &gt;= 1
 * @param healthyThreshold {@code healthy_threshold}, &gt;= 1
 * @param noTrafficInterval {@code no_traffic_interval} (Envoy's default 60 s): the interval while the
 *     cluster has had no traffic
 * @param noTrafficHealthyInterval {@code no_traffic_healthy_interval} (default {@code noTrafficInterval}):
 *     the same for a healthy host
 * @param unhealthyInterval {@code unhealthy_interval} (default {@code interval}): while the host is unhealthy
 * @param unhealthyEdgeInterval {@code unhealthy_edge_interval} (default {@code unhealthyInterval}):
 *     after the probe that marked the host unhealthy
 * @param healthyEdgeInterval {@code healthy_edge_interval} (default {@code interval}): after the probe
 *     that marked it healthy again
 * @param kind what a probe sends and expects
 */
public record HealthCheck(
    Duration timeout, Duration interval, Duration intervalJitter, int intervalJitterPercent,
    long unhealthyThreshold, long healthyThreshold, Duration noTrafficInterval, Duration noTrafficHealthyInterval,
    Duration unhealthyInterval,
    Duration unhealthyEdgeInterval, Duration healthyEdgeInterval, Kind kind) {

  /**
   * Checks the components.
   *
   * @param timeout {@code timeout}, &gt; 0
   * @param interval {@code interval}, &gt; 0
   * @param intervalJitter {@code interval_jitter}, &gt;= 0
   * @param intervalJitterPercent {@code interval_jitter_percent}, &gt;= 0
   * @param unhealthyThreshold {@code unhealthy_threshold}, &gt;= 1
   * @param healthyThreshold {@code healthy_threshold}, &gt;= 1
   * @param noTrafficInterval {@code no_traffic_interval}, &gt; 0
   * @param noTrafficHealthyInterval {@code no_traffic_healthy_interval}, &gt; 0
   * @param unhealthyInterval {@code unhealthy_interval}, &gt; 0
   * @param unhealthyEdgeInterval {@code unhealthy_edge_interval}, &gt; 0
   * @param healthyEdgeInterval {@code healthy_edge_interval}, &gt; 0
   * @param kind what a probe sends and expects
   * @throws NullPointerException if a component is {@code null}
   * @throws IllegalArgumentException if a duration or threshold is out of range
   */
  public HealthCheck {
    for (Duration d : List.of(timeout, interval, noTrafficInterval, noTrafficHealthyInterval, unhealthyInterval, unhealthyEdgeInterval,
        healthyEdgeInterval)) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("health check intervals and timeout must be > 0");
      }
    }
    Objects.requireNonNull(kind, "kind");
    if (intervalJitter.isNegative() || intervalJitterPercent < 0) {
      throw new IllegalArgumentException("interval jitter must be >= 0");
    }
    if (unhealthyThreshold < 1 || healthyThreshold < 1) {
      throw new IllegalArgumentException("health check thresholds must be >= 1");
    }
  }

  /** What a probe sends and expects: {@link Http}, {@link Grpc} or {@link Tcp}. */
  public sealed interface Kind permits Http, Grpc, Tcp {}

  /**
   * {@code http_health_check}: {@code GET path} with {@code Host: host}; passes on a status in
   * {@code expectedStatuses}; a status in {@code retriableStatuses} counts toward the unhealthy
   * threshold, any other marks the host unhealthy at once.
   *
   * @param host {@code host}, or {@code ""} for the cluster's name (Envoy)
   * @param path {@code path}
   * @param expectedStatuses {@code expected_statuses} (default [200, 201))
   * @param retriableStatuses {@code retriable_statuses}
   */
  public record Http(String host, String path, List<Int64Range> expectedStatuses, List<Int64Range> retriableStatuses)
      implements Kind {
    /**
     * Keeps immutable copies of the lists.
     *
     * @param host {@code host}, or {@code ""}
     * @param path {@code path}
     * @param expectedStatuses {@code expected_statuses}
     * @param retriableStatuses {@code retriable_statuses}
     */
    public Http {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(path, "path");
      expectedStatuses = List.copyOf(expectedStatuses);
      retriableStatuses = List.copyOf(retriableStatuses);
    }
  }

  /**
   * {@code grpc_health_check}: {@code grpc.health.v1.Health/Check}; passes on {@code SERVING}, a
   * {@code NOT_SERVING} answer marks the host unhealthy at once, other failures count toward the threshold.
   *
   * @param serviceName {@code service_name} ({@code ""} for the server as a whole)
   * @param authority {@code authority}, or {@code ""} for the cluster's name
   */
  public record Grpc(String serviceName, String authority) implements Kind {}

  /**
   * {@code tcp_health_check}: connects; with {@code send}, writes it and passes once every
   * {@code receive} payload has been read back (in order, anywhere in what was read); without, the
   * connection alone passes.
   *
   * @param sendHex {@code send.text} (hex), or {@code ""} to only connect
   * @param receiveHex {@code receive[].text} (hex)
   */
  public record Tcp(String sendHex, List<String> receiveHex) implements Kind {
    /**
     * Keeps an immutable copy of the list.
     *
     * @param sendHex the payload to send, hex
     * @param receiveHex the payloads to expect, hex
     */
    public Tcp {
      Objects.requireNonNull(sendHex, "sendHex");
      receiveHex = List.copyOf(receiveHex);
    }
  }
}
