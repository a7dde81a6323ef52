package io.bowline.runtime.inbound;

import io.bowline.api.config.InboundListener;
import io.bowline.runtime.tls.UpstreamTlsHandle;
import io.bowline.runtime.tls.UpstreamTlsHandles;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One mesh client's server listeners (gRFC A36), as the xDS client last accepted them, and the
 * {@link InboundPort} view of each port a server asks for. A server bound to {@code <ip>:<port>} uses the listener
 * named by the bootstrap's {@code server_listener_resource_name_template} with {@code %s} =
 * {@code <ip>:<port>} (Istio: {@code xds.istio.io/grpc/lds/inbound/0.0.0.0:8443}); by port alone, the wildcard
 * {@code 0.0.0.0}, then {@code [::]}, then any listener on that port. The first {@link #port} or
 * {@link #awaitListener} of a port asks the source for {@code <template>0.0.0.0:<port>} by name, as grpc-java's
 * xDS server asks for its listener. Thread-safe.
 */
public final class ServerListeners {
  private final String namePrefix;
  private final UpstreamTlsHandles tls;
  private final Consumer<String> request;
  private final Map<Integer, InboundPort> ports = new ConcurrentHashMap<>();
  private final Map<InboundListener.FilterChain, RbacEngine> engines = new ConcurrentHashMap<>();
  private volatile Map<String, InboundListener> listeners = Map.of();

  /**
   * @param namePrefix the server listener name template up to {@code %s}
   * @param tls the client's TLS handles (certificate provider instances and SDS secrets are shared with its
   *     clusters)
   * @param request asks the configuration source for a server listener by name (an xDS client subscribes to
   *     it: istiod answers inbound listeners only when they are named)
   */
  public ServerListeners(String namePrefix, UpstreamTlsHandles tls, Consumer<String> request) {
    this.namePrefix = namePrefix;
    this.tls = tls;
    this.request = request;
  }

  /** Server listeners whose source delivers them unasked (a static file, a test). */
  public ServerListeners(String namePrefix, UpstreamTlsHandles tls) {
    this(namePrefix, tls, name -> { });
  }

  /**
   * The xDS client accepted a new set of server listeners. Ports follow at their next connection or request.
   *
   * @param current the server listeners by name
   */
  public void update(Map<String, InboundListener> current) {
    if (current.equals(listeners)) {
      return;
    }
    listeners = Map.copyOf(current);
    engines.keySet().retainAll(current.values().stream()
        .flatMap(l -> java.util.stream.Stream.concat(l.filterChains().stream(),
            java.util.stream.Stream.ofNullable(l.defaultFilterChain())))
        .toList());
    synchronized (this) {
      notifyAll();
    }
  }

  /**
   * The inbound view of {@code port} (one per port, made on first use).
   *
   * @param port the port the server listens on
   * @return the port's view, following config changes
   */
  public InboundPort port(int port) {
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not in 1..65535");
    }
    return ports.computeIfAbsent(port, p -> {
      request.accept(listenerName(p));
      return new InboundPort(this, p);
    });
  }

  /** The current listener of {@code port}, if any. */
  Optional<InboundListener> listener(int port) {
    Map<String, InboundListener> current = listeners;
    for (String address : new String[] {"0.0.0.0", "[::]"}) {
      InboundListener l = current.get(namePrefix + address + ":" + port);
      if (l != null) {
        return Optional.of(l);
      }
    }
    return current.values().stream().filter(l -> l.port() == port)
        .sorted(java.util.Comparator.comparing(InboundListener::name)).findFirst();
  }

  /** The name a server bound to all interfaces on {@code port} asks for. */
  String listenerName(int port) {
    return namePrefix + "0.0.0.0:" + port;
  }

  /**
   * Waits until {@code port} has a server listener.
   *
   * @param port the port
   * @param timeout how long to wait at most
   * @return whether it has one
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitListener(int port, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    request.accept(listenerName(port));
    synchronized (this) {
      while (listener(port).isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        wait(Math.max(1, left / 1_000_000));
      }
    }
    return true;
  }

  RbacEngine engine(InboundListener.FilterChain chain) {
    return engines.computeIfAbsent(chain, c -> RbacEngine.compile(c.rbac()));
  }

  UpstreamTlsHandle handle(InboundListener.DownstreamTls downstream) {
    return tls.handle(downstream.common());
  }

  /**
   * The TLS handle of a context whose certificate and roots come from this client's certificate provider
   * instances (a gateway's ISTIO_MUTUAL filter chain): its key and trust managers follow rotation.
   *
   * @param context the certificate and roots sources and SAN matchers
   * @return the shared handle; check {@link UpstreamTlsHandle#ready()} before use
   * @throws IllegalArgumentException if an instance is not defined by the bootstrap
   */
  public UpstreamTlsHandle tlsHandle(io.bowline.api.config.UpstreamTls context) {
    return tls.handle(context);
  }
}
