package io.bowline.runtime.telemetry;

import io.bowline.api.config.WorkloadMetadata;
import io.bowline.api.filter.Exchange;
import io.bowline.runtime.upstream.ClusterResilience;
import io.bowline.runtime.upstream.Resilience;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Istio's standard metrics for the calls this client makes ({@code reporter="source"}), named and
 * labelled as Istio's stats filter exports them to Prometheus: {@code istio_requests_total},
 * {@code istio_request_duration_milliseconds}, {@code istio_request_bytes},
 * {@code istio_response_bytes} (histograms with Envoy's default buckets, which Istio uses), and
 * Envoy's cluster statistics {@code envoy_cluster_upstream_rq_total},
 * {@code envoy_cluster_upstream_rq_xx} (by {@code envoy_response_code_class}),
 * {@code envoy_cluster_upstream_rq_retry}, {@code envoy_cluster_upstream_rq_retry_success} and
 * {@code envoy_cluster_upstream_rq_pending_overflow}, {@code envoy_cluster_upstream_rq_timeout} (the route's
 * timeout ended the call: 504 {@code UT} not caused by the last attempt's {@code per_try_timeout}),
 * {@code envoy_cluster_upstream_rq_per_try_timeout}, {@code envoy_cluster_upstream_cx_connect_fail} (attempts
 * whose connection could not be made: the router sees each failed connect of an attempt, not a transport's
 * background connects), {@code envoy_cluster_outlier_detection_ejections_active} (gauge) and
 * {@code envoy_cluster_outlier_detection_ejections_enforced_total} (tag {@code cluster_name}): Envoy's stats
 * {@code cluster.<name>.<stat>} as Istio's Prometheus export names them, the cluster name extracted as the
 * {@code cluster_name} tag. Meters are made once per label set and reused.
 */
public final class IstioMetrics {
  /** Envoy's default histogram buckets, the bounds of Istio's histograms. */
  static final double[] BUCKETS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
      300000, 600000, 1800000, 3600000};

  private final MeterRegistry registry;
  private final LocalWorkload source;
  private final Resilience resilience;
  private final ConcurrentHashMap<Key, Meters> meters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ClusterMeters> clusters = new ConcurrentHashMap<>();
  // per destination (cluster, or authority without one), the meters its last call used: the label
  // set resolved once and found again without building a key
  private final ConcurrentHashMap<String, Hit> lastHit = new ConcurrentHashMap<>();
  private final Function<Key, Meters> maker = this::make;
  private final Function<String, ClusterMeters> clusterMaker = this::makeCluster;

  /**
   * @param registry where the meters go
   * @param source this workload (the {@code source_*} labels)
   */
  public IstioMetrics(MeterRegistry registry, LocalWorkload source) {
    this(registry, source, null);
  }

  /**
   * @param registry where the meters go
   * @param source this workload (the {@code source_*} labels)
   * @param resilience the client's cluster manager state, whose outlier detectors the ejection meters read;
   *     {@code null} for no outlier meters
   */
  public IstioMetrics(MeterRegistry registry, LocalWorkload source, Resilience resilience) {
    this.registry = registry;
    this.source = source;
    this.resilience = resilience;
  }

  /** The labels of one time series; {@code destination} is the snapshot's per-endpoint object. */
  private record Key(String cluster, String authority, int status, int grpcStatus, String flags, String protocol,
      WorkloadMetadata destination) {
    boolean is(String c, String a, int s, int g, String f, String p, WorkloadMetadata w) {
      return status == s && grpcStatus == g && Objects.equals(cluster, c) && Objects.equals(authority, a)
          && flags.equals(f) && protocol.equals(p) && (destination == w || Objects.equals(destination, w));
    }
  }

  private record Hit(Key key, Meters meters) {}

  private record Meters(Counter requests, DistributionSummary duration, DistributionSummary requestBytes,
      DistributionSummary responseBytes) {}

  private record ClusterMeters(Counter total, Counter retry, Counter retrySuccess, Counter overflow,
      Counter timeout, Counter perTryTimeout, Counter connectFail, Counter[] byClass) {}

  /**
   * Records one attempt that ended without a response.
   *
   * @param clusterName the attempt's cluster
   * @param connectFailure the attempt's connection could not be made ({@code connect-failure})
   * @param perTryTimeout the route's {@code per_try_timeout} ended it
   */
  void attemptFailed(String clusterName, boolean connectFailure, boolean perTryTimeout) {
    if (clusterName == null || !(connectFailure || perTryTimeout)) {
      return;
    }
    ClusterMeters c = cluster(clusterName);
    (connectFailure ? c.connectFail : c.perTryTimeout).increment();
  }

  /** Records one finished exchange: Istio's four metrics and the cluster's request counters. */
  void record(Exchange e, String clusterName, int upstreamRequests, WorkloadMetadata destination) {
    record(e, clusterName, upstreamRequests, destination, false);
  }

  /**
   * Records one finished exchange: Istio's four metrics and the cluster's request counters.
   *
   * @param routeTimeout the route's timeout ended the call ({@code upstream_rq_timeout})
   */
  void record(Exchange e, String clusterName, int upstreamRequests, WorkloadMetadata destination,
      boolean routeTimeout) {
    String cluster = clusterName;
    Meters m = meters(cluster, cluster == null ? e.authority() : null, e.status(), e.grpcStatus(), e.responseFlags(),
        e.protocol(), destination);
    m.requests.increment();
    long duration = e.durationNanos();
    if (duration >= 0) {
      m.duration.record(duration / (double) TimeUnit.MILLISECONDS.toNanos(1));
    }
    m.requestBytes.record(Math.max(0, e.requestBodyBytes()));
    m.responseBytes.record(Math.max(0, e.responseBodyBytes()));
    if (cluster != null) {
      cluster(cluster, e, upstreamRequests, routeTimeout);
    }
  }

  /** The meters of one label set: the destination's last ones when they match, else made once and kept. */
  private Meters meters(String cluster, String authority, int status, int grpcStatus, String flags, String protocol,
      WorkloadMetadata workload) {
    String destination = cluster != null ? cluster : authority;
    Hit h = destination == null ? null : lastHit.get(destination);
    if (h != null && h.key.is(cluster, authority, status, grpcStatus, flags, protocol, workload)) {
      return h.meters;
    }
    Key key = new Key(cluster, authority, status, grpcStatus, flags, protocol, workload);
    Meters m = meters.computeIfAbsent(key, maker);
    if (destination != null) {
      lastHit.put(destination, new Hit(key, m));
    }
    return m;
  }

  private ClusterMeters cluster(String name) {
    ClusterMeters c = clusters.get(name);
    return c != null ? c : clusters.computeIfAbsent(name, clusterMaker);
  }

  private void cluster(String name, Exchange e, int upstreamRequests, boolean routeTimeout) {
    ClusterMeters c = cluster(name);
    if (routeTimeout) {
      c.timeout.increment();
    }
    if (upstreamRequests > 0) {
      c.total.increment(upstreamRequests);
      if (upstreamRequests > 1) {
        c.retry.increment(upstreamRequests - 1);
        if (!e.localResponse() && e.status() < 500) {
          c.retrySuccess.increment();
        }
      }
      int cls = e.status() / 100;
      if (!e.localResponse() && cls >= 1 && cls <= 5) {
        c.byClass[cls - 1].increment();
      }
    }
    if (e.responseFlags().contains("UO")) {
      c.overflow.increment();
    }
  }

  private Meters make(Key k) {
    DestinationService d = DestinationService.of(k.cluster, k.authority);
    WorkloadMetadata w = k.destination;
    String flags = k.flags.isEmpty() ? "-" : k.flags;
    Tags tags = Tags.of(
        "reporter", "source",
        "source_workload", source.workload(),
        "source_workload_namespace", source.namespace(),
        "source_principal", LocalWorkload.UNKNOWN,
        "source_app", source.app(),
        "source_version", source.version(),
        "source_cluster", source.cluster(),
        "source_canonical_service", source.canonicalService(),
        "source_canonical_revision", source.canonicalRevision(),
        "destination_workload", w.workload(),
        "destination_workload_namespace", w.namespace(),
        "destination_principal", w.principal(),
        "destination_app", w.app(),
        "destination_version", w.version(),
        "destination_service", d.service(),
        "destination_service_name", d.name(),
        "destination_service_namespace", d.namespace(),
        "destination_cluster", w.cluster(),
        "destination_canonical_service", w.canonicalService(),
        "destination_canonical_revision", w.canonicalRevision(),
        "request_protocol", k.protocol,
        "response_code", Integer.toString(k.status),
        "grpc_response_status", k.grpcStatus < 0 ? "" : Integer.toString(k.grpcStatus),
        "response_flags", flags,
        "connection_security_policy", LocalWorkload.UNKNOWN);
    return new Meters(
        Counter.builder("istio.requests").description("Requests, as Istio's istio_requests_total")
            .tags(tags).register(registry),
        histogram("istio.request.duration.milliseconds", "Request duration in milliseconds", tags),
        histogram("istio.request.bytes", "Request body size in bytes", tags),
        histogram("istio.response.bytes", "Response body size in bytes", tags));
  }

  private DistributionSummary histogram(String name, String description, Tags tags) {
    return DistributionSummary.builder(name).description(description).tags(tags).serviceLevelObjectives(BUCKETS)
        .register(registry);
  }

  private ClusterMeters makeCluster(String cluster) {
    Tags tags = Tags.of("cluster_name", cluster);
    Counter[] byClass = new Counter[5];
    for (int i = 0; i < 5; i++) {
      byClass[i] = Counter.builder("envoy.cluster.upstream_rq_xx").tags(tags)
          .tag("envoy_response_code_class", Integer.toString(i + 1)).register(registry);
    }
    if (resilience != null) {
      Gauge.builder("envoy.cluster.outlier_detection.ejections_active", resilience, r -> outlier(r, cluster, false))
          .tags(tags).description("Hosts of the cluster ejected now").register(registry);
      FunctionCounter.builder("envoy.cluster.outlier_detection.ejections_enforced", resilience,
              r -> outlier(r, cluster, true))
          .tags(tags).description("Ejections enforced, of any outlier type").register(registry);
    }
    return new ClusterMeters(
        counter("envoy.cluster.upstream_rq", tags), counter("envoy.cluster.upstream_rq_retry", tags),
        counter("envoy.cluster.upstream_rq_retry_success", tags),
        counter("envoy.cluster.upstream_rq_pending_overflow", tags), counter("envoy.cluster.upstream_rq_timeout", tags),
        counter("envoy.cluster.upstream_rq_per_try_timeout", tags),
        counter("envoy.cluster.upstream_cx_connect_fail", tags), byClass);
  }

  private static double outlier(Resilience r, String cluster, boolean enforcedTotal) {
    ClusterResilience c = r.cluster(cluster);
    if (c == null) {
      return 0;
    }
    return enforcedTotal ? c.outlierEjectionsEnforced() : c.outlierEjectionsActive();
  }

  private Counter counter(String name, Tags tags) {
    return Counter.builder(name).tags(tags).register(registry);
  }
}
