package io.bowline.runtime.telemetry;

import io.bowline.api.config.WorkloadMetadata;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Tags;
import java.util.function.Function;

/**
 * Istio's four meters for every answer to one destination: the labels fixed per destination (reporter,
 * {@code source_*}, {@code destination_*}, {@code request_protocol}, {@code connection_security_policy}) resolved
 * once, the labels that vary per call ({@code response_code}, {@code grpc_response_status},
 * {@code response_flags}) as the key of a small open-addressing table. A lookup of a label set seen before reads
 * the table without allocating or locking; a new one is made under the set's lock and published by a volatile
 * write.
 */
final class MeterSet {
  /**
   * The meters of one time series.
   *
   * @param histograms the three summaries as the per-thread histograms a stats flush merges into them
   *     ({@link HistogramBuffer}); calls record through it, not into the summaries
   * @param requestCount how a call increments {@code requests}: in each registry of a composite directly
   */
  record Meters(Counter requests, DistributionSummary duration, DistributionSummary requestBytes,
      DistributionSummary responseBytes, HistogramBuffer.Series histograms, LeafCounters requestCount) {
    /** Meters whose {@code requests} counter is incremented as it is. */
    Meters(Counter requests, DistributionSummary duration, DistributionSummary requestBytes,
        DistributionSummary responseBytes, HistogramBuffer.Series histograms) {
      this(requests, duration, requestBytes, responseBytes, histograms, new LeafCounters(requests, null));
    }

    /** Counts one call in {@code requests} at once. */
    void countRequest() {
      requestCount.increment();
    }
  }

  /** One row of the table: the varying labels and their meters. */
  private record Row(int status, int grpcStatus, String flags, Meters meters) {}

  /** The destination's workload (compared by identity, then by value) and protocol this set is for. */
  final WorkloadMetadata workload;
  final String protocol;
  private final Tags fixed;
  /** Makes the meters of one label set (compared by identity: the standard maker, or one with overrides). */
  final Function<Tags, Meters> maker;
  private volatile Row[] rows = new Row[8];
  private int size;

  /**
   * @param workload the destination endpoint's workload metadata
   * @param protocol {@code http} or {@code grpc}
   * @param fixed the labels fixed for the destination, without the three varying ones
   * @param maker registers the four meters of one complete label set
   */
  MeterSet(WorkloadMetadata workload, String protocol, Tags fixed, Function<Tags, Meters> maker) {
    this.workload = workload;
    this.protocol = protocol;
    this.fixed = fixed;
    this.maker = maker;
  }

  /** Whether this set is for {@code w} and {@code p}. */
  boolean isFor(WorkloadMetadata w, String p) {
    return (workload == w || workload.equals(w)) && (protocol == p || protocol.equals(p));
  }

  /**
   * The meters of one answer.
   *
   * @param status the HTTP status ({@code response_code})
   * @param grpcStatus the gRPC status, {@code -1} for plain HTTP ({@code grpc_response_status} empty)
   * @param flags Envoy's response flags, {@code ""} for none ({@code response_flags="-"})
   */
  Meters get(int status, int grpcStatus, String flags) {
    Row[] t = rows;
    int mask = t.length - 1;
    for (int i = slot(status, grpcStatus, flags) & mask; ; i = (i + 1) & mask) {
      Row r = t[i];
      if (r == null) {
        return add(status, grpcStatus, flags);
      }
      if (r.status == status && r.grpcStatus == grpcStatus && (r.flags == flags || r.flags.equals(flags))) {
        return r.meters;
      }
    }
  }

  /** The complete standard label set of one answer. */
  Tags tags(int status, int grpcStatus, String flags) {
    return fixed.and(
        "response_code", Integer.toString(status),
        "grpc_response_status", grpcStatus < 0 ? "" : Integer.toString(grpcStatus),
        "response_flags", flags.isEmpty() ? "-" : flags);
  }

  private static int slot(int status, int grpcStatus, String flags) {
    int h = status * 31 + grpcStatus;
    return flags.isEmpty() ? h : h * 31 + flags.hashCode();
  }

  private synchronized Meters add(int status, int grpcStatus, String flags) {
    Row[] t = rows;
    int mask = t.length - 1;
    int i = slot(status, grpcStatus, flags) & mask;
    for (Row r = t[i]; r != null; i = (i + 1) & mask, r = t[i]) {
      if (r.status == status && r.grpcStatus == grpcStatus && r.flags.equals(flags)) {
        return r.meters; // made by another thread meanwhile
      }
    }
    Row row = new Row(status, grpcStatus, flags, maker.apply(tags(status, grpcStatus, flags)));
    Row[] next = new Row[size + 1 > t.length / 2 ? t.length * 2 : t.length];
    for (Row r : t) {
      if (r != null) {
        put(next, r);
      }
    }
    put(next, row);
    size++;
    rows = next; // a copy, so a reader never sees a half-filled table
    return row.meters;
  }

  private static void put(Row[] t, Row r) {
    int mask = t.length - 1;
    int i = slot(r.status, r.grpcStatus, r.flags) & mask;
    while (t[i] != null) {
      i = (i + 1) & mask;
    }
    t[i] = r;
  }
}
