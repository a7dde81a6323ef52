package io.bowline.runtime.telemetry;

import io.bowline.api.config.WorkloadMetadata;
import io.bowline.api.filter.Exchange;
import io.bowline.runtime.upstream.ClusterResilience;
import io.bowline.runtime.telemetry.MeterSet.Meters;
import io.bowline.runtime.upstream.Resilience;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.noop.NoopCounter;
import io.micrometer.core.instrument.noop.NoopDistributionSummary;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.time.Duration;
import java.util.function.Function;

/**
 * Istio's standard metrics for the calls this client makes ({@code reporter="source"}) and, through
 * {@link #recordInbound}, for the requests its servers answer ({@code reporter="destination"}), named and
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
 * {@code cluster_name} tag. Meters are made once per label set and reused: the labels fixed for a destination (its
 * cluster, endpoint workload and protocol) are resolved once into a {@link MeterSet}, kept with the cluster's
 * counters, and a call indexes it by its status, gRPC status and flags without allocating.
 *
 * <p>The histograms are recorded as Envoy records its histograms: each thread buffers its calls' values, and a
 * stats flush (every 5 s by default, Envoy's {@code stats_flush_interval}) merges them into the registry; so are the
 * two cluster counters every call adds to ({@code envoy_cluster_upstream_rq_total} and
 * {@code envoy_cluster_upstream_rq_xx}: each increment of a composite registry's counter walks its children). The
 * other counters, {@code istio_requests_total} among them, are immediate; {@code istio_requests_total} is incremented
 * in each registry of a composite directly ({@link LeafCounters}), without Micrometer's walk. See {@link #flush()}
 * for when a call's values show.
 *
 * <p>The listener's {@code istio.stats} filter ({@link #configure}, {@link StatsOverrides}) drops metrics and removes,
 * adds or replaces labels of the meter sets made from then on; a change of it removes the meters made before, so
 * that each metric name keeps one label set in the registry.
 */
public final class IstioMetrics implements AutoCloseable {
  /** Envoy's default histogram buckets, the bounds of Istio's histograms. */
  static final double[] BUCKETS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
      300000, 600000, 1800000, 3600000};

  private final MeterRegistry registry;
  private final Resilience resilience;
  private final ConcurrentHashMap<String, ClusterMeters> clusters = new ConcurrentHashMap<>();
  /** Calls that chose no cluster (no route, a local reply before routing), by authority. */
  private final ConcurrentHashMap<String, Destination> byAuthority = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<InboundKey, MeterSet> inbound = new ConcurrentHashMap<>();
  /**
   * This workload as the {@code source_*} labels of its calls and the {@code destination_*} labels of the requests
   * it serves name it; no principal (Istio reports none on the source side).
   */
  private final WorkloadMetadata self;
  private final Function<String, ClusterMeters> clusterMaker = this::makeCluster;
  private final Function<String, Destination> authorityMaker = a -> new Destination(null, a);
  private final Function<Tags, Meters> meterMaker = this::meters;
  private final Function<InboundKey, MeterSet> inboundMaker = this::makeInbound;
  /** The {@code istio.stats} filter's overrides; {@code null}: none. */
  private volatile StatsOverrides overrides;
  /** Meters of calls under overrides whose labels depend on the call. */
  private final ConcurrentHashMap<CallKey, Meters> perCall = new ConcurrentHashMap<>();
  /** Istio's meters registered so far, removed when the overrides change. */
  private final Set<Meter> made = ConcurrentHashMap.newKeySet();
  private volatile TcpMetrics tcp;
  /** The three histograms' values, buffered per thread until a flush (as Envoy's thread-local histograms). */
  private final HistogramBuffer histograms;

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
    this(registry, source, resilience, HistogramBuffer.DEFAULT_FLUSH_INTERVAL);
  }

  /**
   * @param registry where the meters go
   * @param source this workload (the {@code source_*} labels)
   * @param resilience the client's cluster manager state, whose outlier detectors the ejection meters read;
   *     {@code null} for no outlier meters
   * @param statsFlushInterval how often the histograms' buffered values are merged into the registry (Envoy's
   *     bootstrap {@code stats_flush_interval}, 5 s by default; see {@link #flush()})
   * @throws IllegalArgumentException if {@code statsFlushInterval} is not positive
   */
  public IstioMetrics(MeterRegistry registry, LocalWorkload source, Resilience resilience,
      Duration statsFlushInterval) {
    this.histograms = new HistogramBuffer(statsFlushInterval);
    this.registry = registry;
    this.self = new WorkloadMetadata(source.workload(), source.namespace(), source.canonicalService(),
        source.canonicalRevision(), source.cluster(), source.app(), source.version(), LocalWorkload.UNKNOWN);
    this.resilience = resilience;
  }

  /**
   * Istio's TCP metrics of this workload ({@code istio_tcp_*}), for its TCP proxies: the same registry and
   * {@code source_*} labels as the request metrics.
   *
   * @return this workload's TCP metrics (one instance)
   */
  public TcpMetrics tcp() {
    TcpMetrics t = tcp;
    if (t == null) {
      synchronized (this) {
        t = tcp;
        if (t == null) {
          t = new TcpMetrics(registry, self);
          tcp = t;
        }
      }
    }
    return t;
  }

  /**
   * Merges the histogram values buffered so far into the registry, as Envoy's stats flush merges its workers'
   * thread-local histograms. {@code istio_requests_total} and Envoy's rarer cluster counters are counted by the
   * call itself; the three histograms ({@code istio_request_duration_milliseconds}, {@code istio_request_bytes},
   * {@code istio_response_bytes}) and the cluster's {@code upstream_rq_total} and {@code upstream_rq_xx} show a
   * call once a flush ran after it: every {@code statsFlushInterval} (5 s by
   * default), on this method and on {@link #close()}. The admin
   * {@code /stats} and {@code /stats/prometheus} handlers call it before they read the registry, so their scrape
   * is current; a registry scraped or pushed by other means lags by at most one interval. Thread-safe.
   */
  public void flush() {
    histograms.flush();
  }

  /**
   * Stops the periodic histogram flush and merges what is buffered (the mesh client calls it when it closes). The
   * meters stay in the registry; calls recorded later show on the next {@link #flush()}.
   */
  @Override
  public void close() {
    histograms.close();
  }

  /**
   * One destination's meter sets: the calls to a cluster, or without a cluster to an authority; one set per
   * endpoint workload and protocol, found by a scan of a small array (a cluster's endpoints mostly share one
   * workload).
   */
  private final class Destination {
    private final String cluster;
    private final String authority;
    private volatile MeterSet[] sets = new MeterSet[0];

    Destination(String cluster, String authority) {
      this.cluster = cluster;
      this.authority = authority;
    }

    MeterSet set(WorkloadMetadata workload, String protocol) {
      for (MeterSet s : sets) {
        if (s.isFor(workload, protocol)) {
          return s;
        }
      }
      return add(workload, protocol);
    }

    /** Forgets the sets, so that the next call makes them with the current overrides. */
    synchronized void reset() {
      sets = new MeterSet[0];
    }

    private synchronized MeterSet add(WorkloadMetadata workload, String protocol) {
      MeterSet[] current = sets;
      for (MeterSet s : current) {
        if (s.isFor(workload, protocol)) {
          return s;
        }
      }
      MeterSet s = new MeterSet(workload, protocol, fixedTags("source", self, workload,
          DestinationService.of(cluster, authority), protocol, LocalWorkload.UNKNOWN), maker());
      MeterSet[] next = java.util.Arrays.copyOf(current, current.length + 1);
      next[current.length] = s;
      sets = next;
      return s;
    }
  }

  /**
   * One cluster's Envoy counters and its destination's meter sets. The two every call adds to
   * ({@code upstream_rq_total}, {@code upstream_rq_xx}) are buffered per thread with the histograms
   * ({@link HistogramBuffer.Cell}); the others count the rare call at once.
   */
  private record ClusterMeters(HistogramBuffer.Cell total, Counter retry, Counter retrySuccess, Counter overflow,
      Counter timeout, Counter perTryTimeout, Counter connectFail, HistogramBuffer.Cell[] byClass,
      Destination destination) {}

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
    ClusterMeters c = cluster == null ? null : cluster(cluster);
    Destination d = c != null ? c.destination : authority(e.authority());
    MeterSet set = d.set(destination, e.protocol());
    Meters m = set.maker == meterMaker ? set.get(e.status(), e.grpcStatus(), e.responseFlags()) : overridden(set, e);
    m.countRequest();
    histograms.record(m.histograms(), e.durationNanos(), e.requestBodyBytes(), e.responseBodyBytes());
    if (c != null) {
      count(histograms, c, e, upstreamRequests, routeTimeout);
    }
  }

  private Destination authority(String authority) {
    String a = authority == null ? "" : authority;
    Destination d = byAuthority.get(a);
    return d != null ? d : byAuthority.computeIfAbsent(a, authorityMaker);
  }

  private ClusterMeters cluster(String name) {
    ClusterMeters c = clusters.get(name);
    return c != null ? c : clusters.computeIfAbsent(name, clusterMaker);
  }

  private static void count(HistogramBuffer buffer, ClusterMeters c, Exchange e, int upstreamRequests,
      boolean routeTimeout) {
    if (routeTimeout) {
      c.timeout.increment();
    }
    if (upstreamRequests > 0) {
      buffer.count(c.total, upstreamRequests);
      if (upstreamRequests > 1) {
        c.retry.increment(upstreamRequests - 1);
        if (!e.localResponse() && e.status() < 500) {
          c.retrySuccess.increment();
        }
      }
      int cls = e.status() / 100;
      if (!e.localResponse() && cls >= 1 && cls <= 5) {
        buffer.count(c.byClass[cls - 1], 1);
      }
    }
    if (e.responseFlags().contains("UO")) {
      c.overflow.increment();
    }
  }

  /**
   * Istio's labels of one time series but {@code response_code}, {@code grpc_response_status} and
   * {@code response_flags} ({@link MeterSet} adds those), in the order Istio's stats filter writes them.
   */
  static Tags fixedTags(String reporter, WorkloadMetadata s, WorkloadMetadata w, DestinationService d,
      String protocol, String security) {
    return Tags.of(
        "reporter", reporter,
        "source_workload", s.workload(),
        "source_workload_namespace", s.namespace(),
        "source_principal", s.principal(),
        "source_app", s.app(),
        "source_version", s.version(),
        "source_cluster", s.cluster(),
        "source_canonical_service", s.canonicalService(),
        "source_canonical_revision", s.canonicalRevision(),
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
        "request_protocol", protocol,
        "connection_security_policy", security);
  }

  private Meters meters(Tags tags) {
    return seriesOf(
        track(Counter.builder("istio.requests").description("Requests, as Istio's istio_requests_total")
            .tags(tags).register(registry)),
        histogram("istio.request.duration.milliseconds", "Request duration in milliseconds", tags),
        histogram("istio.request.bytes", "Request body size in bytes", tags),
        histogram("istio.response.bytes", "Response body size in bytes", tags));
  }

  /**
   * Records one request this workload served, as Istio's stats filter on the inbound side does
   * ({@code reporter="destination"}): {@code destination_*} labels are this workload, with
   * {@code destination_principal} the identity it presented; {@code source_principal} is the
   * client's verified certificate identity, the other {@code source_*} labels come from the
   * caller's {@code x-envoy-peer-metadata} header (Istio's HTTP metadata exchange) when it sent one,
   * else {@code unknown}; {@code destination_service} is the request's authority;
   * {@code connection_security_policy} is {@code mutual_tls} when the client presented a verified
   * certificate, else {@code none}.
   *
   * @param request the served request
   */
  public void recordInbound(ServedRequest request) {
    InboundKey key = new InboundKey(PeerMetadata.decode(request.peerMetadata(), request.peerPrincipal()),
        request.localPrincipal(), DestinationService.of(null, request.authority()), request.protocol(),
        request.peerPrincipal() != null);
    MeterSet set = inbound.computeIfAbsent(key, inboundMaker);
    StatsOverrides o = set.maker == meterMaker ? null : overrides;
    Meters m = o == null || !o.perCall() ? set.get(request.status(), request.grpcStatus(), request.flags())
        : perCall(set, request.status(), request.grpcStatus(), request.flags(), o.evaluate(null));
    m.countRequest();
    histograms.record(m.histograms(), request.durationNanos(), request.requestBytes(), request.responseBytes());
  }

  private MeterSet makeInbound(InboundKey k) {
    WorkloadMetadata destination = k.localPrincipal == null ? self
        : new WorkloadMetadata(self.workload(), self.namespace(), self.canonicalService(), self.canonicalRevision(),
            self.cluster(), self.app(), self.version(), k.localPrincipal);
    return new MeterSet(destination, k.protocol, fixedTags("destination", k.source, destination, k.service, k.protocol,
        k.mtls ? "mutual_tls" : "none"), maker());
  }

  // -- the istio.stats filter's overrides

  /** The current overrides' meter maker; the standard one without overrides. */
  private Function<Tags, Meters> maker() {
    StatsOverrides o = overrides;
    return o == null ? meterMaker : tags -> shapedMeters(o, tags, List.of());
  }

  /** The overrides applied now; {@code null} for none. */
  StatsOverrides overrides() {
    return overrides;
  }

  /**
   * Applies the {@code istio.stats} filter's overrides to the meters made from now on: the meters made so far (with
   * the former labels) are removed from the registry, so that each metric name keeps one label set.
   *
   * @param next the overrides; {@code null}: Istio's standard labels
   */
  synchronized void configure(StatsOverrides next) {
    if (Objects.equals(next, overrides)) {
      overrides = next;
      return;
    }
    overrides = next;
    clusters.values().forEach(c -> c.destination.reset());
    byAuthority.clear();
    inbound.clear();
    perCall.clear();
    for (Meter m : made) {
      registry.remove(m);
    }
    made.clear();
  }

  /** A call's meters under overrides (those of {@code set}, which was made with them). */
  private Meters overridden(MeterSet set, Exchange e) {
    StatsOverrides o = overrides;
    return o == null || !o.perCall() ? set.get(e.status(), e.grpcStatus(), e.responseFlags())
        : perCall(set, e.status(), e.grpcStatus(), e.responseFlags(), o.evaluate(e));
  }

  private Meters perCall(MeterSet set, int status, int grpcStatus, String flags, List<String> values) {
    CallKey key = new CallKey(set, status, grpcStatus, flags, values);
    Meters m = perCall.get(key);
    if (m == null) {
      StatsOverrides o = overrides;
      m = perCall.computeIfAbsent(key, k -> shapedMeters(o, set.tags(status, grpcStatus, flags), values));
    }
    return m;
  }

  /** The meters of one label set under overrides: a dropped metric is a meter outside the registry. */
  private Meters shapedMeters(StatsOverrides o, Tags standard, List<String> values) {
    if (o == null) {
      return meters(standard);
    }
    return seriesOf(
        o.dropped(0) ? new NoopCounter(noopId("istio.requests", Meter.Type.COUNTER))
            : track(Counter.builder("istio.requests").description("Requests, as Istio's istio_requests_total")
                .tags(o.tags(0, standard, values)).register(registry)),
        o.dropped(1) ? noopSummary("istio.request.duration.milliseconds") : histogram(
            "istio.request.duration.milliseconds", "Request duration in milliseconds", o.tags(1, standard, values)),
        o.dropped(2) ? noopSummary("istio.request.bytes")
            : histogram("istio.request.bytes", "Request body size in bytes", o.tags(2, standard, values)),
        o.dropped(3) ? noopSummary("istio.response.bytes")
            : histogram("istio.response.bytes", "Response body size in bytes", o.tags(3, standard, values)));
  }

  /** One time series' meters, its three summaries recorded through {@link #histograms}. */
  private Meters seriesOf(Counter requests, DistributionSummary duration, DistributionSummary requestBytes,
      DistributionSummary responseBytes) {
    return new Meters(requests, duration, requestBytes, responseBytes,
        histograms.series(duration, requestBytes, responseBytes), new LeafCounters(requests, registry));
  }

  private static Meter.Id noopId(String name, Meter.Type type) {
    return new Meter.Id(name, Tags.empty(), null, null, type);
  }

  private static DistributionSummary noopSummary(String name) {
    return new NoopDistributionSummary(noopId(name, Meter.Type.DISTRIBUTION_SUMMARY));
  }

  private <M extends Meter> M track(M meter) {
    made.add(meter);
    return meter;
  }

  /** The meters of a call under per-call overrides: its set, its varying labels and its expressions' values. */
  private record CallKey(MeterSet set, int status, int grpcStatus, String flags, List<String> values) {}

  /**
   * One request a server of this workload answered, for {@link #recordInbound}.
   *
   * @param peerPrincipal the client's verified SPIFFE ID (its certificate's first URI SAN), or {@code null}
   *     when it presented none (plaintext, or TLS without a client certificate)
   * @param localPrincipal the SPIFFE ID of the certificate this server presented, or {@code null} (plaintext)
   * @param peerMetadata the request's {@code x-envoy-peer-metadata} header (base64 of a
   *     {@code google.protobuf.Struct}: {@code WORKLOAD_NAME}, {@code NAMESPACE}, {@code CLUSTER_ID},
   *     {@code LABELS}), or {@code null}; an unreadable value counts as absent
   * @param authority the request's {@code :authority} ({@code Host}), or {@code null}
   * @param protocol {@code http} or {@code grpc}
   * @param status the response's HTTP status
   * @param grpcStatus the gRPC status, or {@code -1} for plain HTTP
   * @param flags Envoy's response flags of the answer ({@code RBAC} when the RBAC filter denied it), or {@code ""}
   * @param durationNanos from the request's arrival to the response's end, in nanoseconds; negative: unknown
   * @param requestBytes the request body's size in bytes
   * @param responseBytes the response body's size in bytes
   */
  public record ServedRequest(String peerPrincipal, String localPrincipal, String peerMetadata, String authority,
      String protocol, int status, int grpcStatus, String flags, long durationNanos, long requestBytes,
      long responseBytes) {}

  /** The labels of a served request fixed per caller and server; {@link MeterSet} indexes the rest. */
  private record InboundKey(WorkloadMetadata source, String localPrincipal, DestinationService service,
      String protocol, boolean mtls) {}

  /**
   * One of Istio's histograms. Istio's buckets are cumulative; the time window Micrometer keeps beside them (the
   * {@code _max} gauge, and the buckets of registries that are not cumulative) is one window instead of Micrometer's
   * default ring of three: every call records into each window of the ring, with an atomic update per window.
   */
  private DistributionSummary histogram(String name, String description, Tags tags) {
    return track(DistributionSummary.builder(name).description(description).tags(tags)
        .serviceLevelObjectives(BUCKETS).distributionStatisticBufferLength(1).register(registry));
  }

  private ClusterMeters makeCluster(String cluster) {
    Tags tags = Tags.of("cluster_name", cluster);
    HistogramBuffer.Cell[] byClass = new HistogramBuffer.Cell[5];
    for (int i = 0; i < 5; i++) {
      byClass[i] = histograms.cell(Counter.builder("envoy.cluster.upstream_rq_xx").tags(tags)
          .tag("envoy_response_code_class", Integer.toString(i + 1)).register(registry));
    }
    if (resilience != null) {
      Gauge.builder("envoy.cluster.outlier_detection.ejections_active", resilience, r -> outlier(r, cluster, false))
          .tags(tags).description("Hosts of the cluster ejected now").register(registry);
      FunctionCounter.builder("envoy.cluster.outlier_detection.ejections_enforced", resilience,
              r -> outlier(r, cluster, true))
          .tags(tags).description("Ejections enforced, of any outlier type").register(registry);
    }
    return new ClusterMeters(
        histograms.cell(counter("envoy.cluster.upstream_rq", tags)), counter("envoy.cluster.upstream_rq_retry", tags),
        counter("envoy.cluster.upstream_rq_retry_success", tags),
        counter("envoy.cluster.upstream_rq_pending_overflow", tags), counter("envoy.cluster.upstream_rq_timeout", tags),
        counter("envoy.cluster.upstream_rq_per_try_timeout", tags),
        counter("envoy.cluster.upstream_cx_connect_fail", tags), byClass, new Destination(cluster, null));
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
