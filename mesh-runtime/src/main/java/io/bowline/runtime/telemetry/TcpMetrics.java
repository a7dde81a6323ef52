package io.bowline.runtime.telemetry;

import io.bowline.api.config.WorkloadMetadata;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Istio's standard TCP metrics for the connections a TCP proxy of this workload relays (Envoy's {@code tcp_proxy}:
 * the proxy's outbound TCP listeners and a gateway's passthrough chains, {@code reporter="source"}), named and
 * labelled as Istio's stats filter exports them to Prometheus:
 * <ul>
 *   <li>{@code istio_tcp_connections_opened_total}: a connection to an upstream host was made, or the connection was
 *       refused ({@code UH}, {@code UO}, {@code UF});
 *   <li>{@code istio_tcp_connections_closed_total}: the connection ended (a refused one at once);
 *   <li>{@code istio_tcp_received_bytes_total}: bytes received from the downstream (the request direction, Istio's
 *       "received during request");
 *   <li>{@code istio_tcp_sent_bytes_total}: bytes sent to the downstream (the response direction, "sent during
 *       response").
 * </ul>
 * Labels: Istio's TCP set ({@code reporter}, {@code source_*} this workload, {@code destination_*} the upstream
 * host's workload and the cluster's service, {@code request_protocol="tcp"}, {@code response_flags} ({@code -} for
 * none) and {@code connection_security_policy}, {@code unknown} on the source side as Istio reports it). Byte
 * counters count as bytes flow, not at the connection's end. Meters are made once per label set.
 */
public final class TcpMetrics {
  private final MeterRegistry registry;
  private final WorkloadMetadata self;
  private final ConcurrentHashMap<Key, Meters> meters = new ConcurrentHashMap<>();

  /**
   * @param registry where the meters go
   * @param self this workload (the {@code source_*} labels)
   */
  TcpMetrics(MeterRegistry registry, WorkloadMetadata self) {
    this.registry = registry;
    this.self = self;
  }

  private record Key(String cluster, WorkloadMetadata destination, String flags) {}

  private record Meters(Counter opened, Counter closed, Counter received, Counter sent) {}

  /**
   * A connection relayed to {@code destination}, a host of {@code cluster}: counts it opened.
   *
   * @param cluster the cluster the {@code tcp_proxy} chose ({@code outbound|9000|v1|tcp-echo.default.svc...})
   * @param destination the chosen host's workload ({@link WorkloadMetadata#NONE} when not known)
   * @return the connection, whose bytes and close are counted through it
   */
  public Connection opened(String cluster, WorkloadMetadata destination) {
    Meters m = meters(cluster, destination, "-");
    m.opened.increment();
    return new Connection(m);
  }

  /**
   * A connection the {@code tcp_proxy} closed without relaying a byte: counted opened and closed with Envoy's
   * response flag.
   *
   * @param cluster the cluster the {@code tcp_proxy} chose
   * @param destination the host's workload, {@link WorkloadMetadata#NONE} when no host was chosen
   * @param flag {@code UH}, {@code UO} or {@code UF}
   */
  public void refused(String cluster, WorkloadMetadata destination, String flag) {
    Meters m = meters(cluster, destination, flag);
    m.opened.increment();
    m.closed.increment();
  }

  private Meters meters(String cluster, WorkloadMetadata destination, String flags) {
    return meters.computeIfAbsent(new Key(cluster, destination, flags), this::make);
  }

  private Meters make(Key k) {
    Tags tags = IstioMetrics.fixedTags("source", self, k.destination, DestinationService.of(k.cluster, null), "tcp",
        LocalWorkload.UNKNOWN).and("response_flags", k.flags);
    return new Meters(
        counter("istio.tcp.connections.opened", "TCP connections opened", tags),
        counter("istio.tcp.connections.closed", "TCP connections closed", tags),
        counter("istio.tcp.received.bytes", "Bytes received from the downstream of a TCP connection", tags),
        counter("istio.tcp.sent.bytes", "Bytes sent to the downstream of a TCP connection", tags));
  }

  private Counter counter(String name, String description, Tags tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  /** One relayed connection's meters (its labels resolved once). Safe from any thread. */
  public static final class Connection {
    private final Meters meters;
    private boolean closed;

    private Connection(Meters meters) {
      this.meters = meters;
    }

    /** {@code n} bytes read from the downstream. */
    public void received(long n) {
      meters.received.increment(n);
    }

    /** {@code n} bytes written to the downstream. */
    public void sent(long n) {
      meters.sent.increment(n);
    }

    /** The connection ended; counted once however often it is called. */
    public synchronized void closed() {
      if (!closed) {
        closed = true;
        meters.closed.increment();
      }
    }
  }
}
