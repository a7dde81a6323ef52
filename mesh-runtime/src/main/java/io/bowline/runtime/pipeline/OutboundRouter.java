package io.bowline.runtime.pipeline;

import io.bowline.api.MeshRequest;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.upstream.Resilience;
import io.bowline.runtime.routing.HashPolicies;
import io.bowline.runtime.routing.RouteDecision;
import io.bowline.runtime.upstream.ClusterEntry;
import io.bowline.runtime.snapshot.MeshSnapshot;
import io.bowline.runtime.snapshot.OutboundListener;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The transport-agnostic entry of an outbound call: listener by {@code host:port}, virtual host
 * and route by the request, cluster by the route (weighted pick), and the route's compiled
 * {@link RouteChain}. Every adapter goes through here, so OkHttp and gRPC make the same decisions.
 * Reads one snapshot per call; no locks.
 *
 * <p>Before the first configuration, {@link #ready()} is pending: adapters hold calls until it
 * completes (a blocking adapter waits, an asynchronous one continues when it does). It completes
 * when the first complete configuration arrives, or when the client's initial-fetch timer fires:
 * from then on calls proceed at once, and while no configuration has been received, hosts the
 * mesh does not know pass through and Kubernetes service names get a local 503 {@code UH} that
 * says so.
 */
public final class OutboundRouter {

  /** The client's configuration as the data path reads it. */
  public interface Snapshots {
    /** The current snapshot; never waits. */
    MeshSnapshot current();

    /** Completes when calls may proceed: first configuration applied, or the initial-fetch timer fired. */
    CompletableFuture<Void> ready();

    /** Whether any configuration has been received. */
    boolean received();

    /** The configuration source, for messages, e.g. {@code xDS server localhost:15010}. */
    String source();
  }

  private final Snapshots snapshots;
  private final String sourceAddress;
  private final String clusterDomain;
  private final Resilience resilience = new Resilience();
  private final List<HttpFilter> filters;
  private Function<OutboundRouter, RouteChains.BuiltIns> builtIns;
  private volatile Compiled compiled;

  /**
   * What is compiled once per snapshot: the route chains, and the decisions made recently
   * ({@link #route}): a forwarding decision without a request hash is the same for every call that
   * routes the same way, so it is made once and shared until the snapshot changes.
   */
  private record Compiled(MeshSnapshot snapshot, RouteChains chains, Decided[] recent) {
    Compiled(MeshSnapshot snapshot, RouteChains chains) {
      this(snapshot, chains, new Decided[RECENT_DECISIONS]);
    }
  }

  /** Shared decisions kept per snapshot, direct-mapped by the route decision's identity (a power of two). */
  static final int RECENT_DECISIONS = 64;

  /** A shared decision and what it was made from (compared by identity; slots are written racily, each whole). */
  private record Decided(RouteDecision.Forward forward, OutboundListener listener, RoutedCall.Upstream upstream) {}

  /**
   * @param snapshots the client's configuration
   * @param sourceAddress this workload's IP, hashed by {@code connection_properties.source_ip}
   *     hash policies; {@code null} if unknown (such policies then yield nothing)
   * @param clusterDomain the Kubernetes cluster domain ({@code cluster.local}), for the names that
   *     are mesh services while no configuration has arrived
   * @param filters the user's filters, in order
   */
  public OutboundRouter(Snapshots snapshots, String sourceAddress, String clusterDomain, List<HttpFilter> filters) {
    this.snapshots = snapshots;
    this.sourceAddress = sourceAddress;
    this.clusterDomain = clusterDomain;
    this.filters = List.copyOf(filters);
  }

  /** Sets the built-in filters (fault, mirror, router), made for this router. Call once, before any call. */
  public void builtIns(Function<OutboundRouter, RouteChains.BuiltIns> make) {
    this.builtIns = make;
  }

  /** Live resilience state (circuit breakers, outlier detection) shared by every adapter of this client. */
  public Resilience resilience() {
    return resilience;
  }

  /** Completes when calls may proceed (see the class comment). */
  public CompletableFuture<Void> ready() {
    return snapshots.ready();
  }

  /** A cluster of the current snapshot by name (e.g. a mirror target), or {@code null}. */
  public ClusterEntry cluster(String name) {
    return snapshots.current().cluster(name);
  }

  /**
   * The current snapshot (never waits): what a gateway reads for its socket listeners and their TLS secrets
   * ({@link MeshSnapshot#gatewayListeners()}, {@link MeshSnapshot#secret(String)}).
   */
  public MeshSnapshot snapshot() {
    return snapshots.current();
  }

  /** The listener that matches {@code host:port}, or {@code null} when the mesh does not know it. */
  public OutboundListener listener(String host, int port) {
    return snapshots.current().listener(host, port);
  }

  /**
   * The name an exchange carries as its listener's: the routing decision's listener when the call was routed
   * to a cluster (no lookup), else the listener that matches {@code host:port}, else {@code host:port} (a call
   * the mesh does not know, or one answered before it had a listener).
   */
  public String listenerName(RoutedCall routed, String host, int port) {
    return listenerName(routed, host, port, null);
  }

  /** As {@link #listenerName(RoutedCall, String, int)}, with {@code fallback} in place of {@code host:port}. */
  public String listenerName(RoutedCall routed, String host, int port, String fallback) {
    if (routed instanceof RoutedCall.Upstream up) {
      return up.listenerName();
    }
    OutboundListener listener = listener(host, port);
    return listener != null ? listener.name() : fallback != null ? fallback : host + ":" + port;
  }

  /**
   * Routes one call. A decision to forward without a request hash ({@code hash_policy}) may be the very
   * object an earlier call got (decisions are immutable, and an adapter that prepares per decision does
   * so per call); {@link MeshExchange} routes an edited request again with {@link #reroute}, which makes a new one.
   *
   * @param host the destination host as the application wrote it (e.g. {@code reviews})
   * @param port the destination port
   * @param request the request view (authority, path, headers)
   * @return never {@code null}
   */
  public RoutedCall route(String host, int port, MeshRequest request) {
    return route(host, port, request, true);
  }

  /**
   * Routes an exchange again after filters edited its request (Envoy's {@code clearRouteCache}): as
   * {@link #route}, but a decision to forward is always a new object, so that the exchange's adapter
   * and router tell the new decision from the one they started with by its identity.
   */
  RoutedCall reroute(String host, int port, MeshRequest request) {
    return route(host, port, request, false);
  }

  private RoutedCall route(String host, int port, MeshRequest request, boolean shared) {
    MeshSnapshot snapshot = snapshots.current();
    OutboundListener listener = snapshot.listener(host, port);
    if (listener == null) {
      if (!snapshots.received() && meshService(host)) {
        return new RoutedCall.LocalReply(503, "UH", "no configuration received yet from " + snapshots.source()
            + ": no listener " + host + ":" + port);
      }
      return RoutedCall.PASS_THROUGH;
    }
    if (listener.routes() == null) {
      return RoutedCall.LocalReply.NO_ROUTE;
    }
    RouteDecision decision = listener.routes().route(request);
    if (decision instanceof RouteDecision.LocalReply reply) {
      return reply == RouteDecision.NO_ROUTE
          ? RoutedCall.LocalReply.NO_ROUTE
          : new RoutedCall.LocalReply(reply.status(), reply.responseFlags(), reply.body(), reply.headers());
    }
    RouteDecision.Forward forward = (RouteDecision.Forward) decision;
    long hash = HashPolicies.hash(forward.options().hashPolicies(), request, sourceAddress);
    Compiled c = compiled;
    boolean recent = shared && hash == HashPolicies.NO_HASH && c != null && c.snapshot == snapshot;
    int slot = System.identityHashCode(forward) & (RECENT_DECISIONS - 1);
    if (recent) {
      Decided d = c.recent[slot];
      // the same forward and listener in the snapshot the decision was made in: the same route, mutation, listener
      // name, cluster entry (the snapshot's for the forward's cluster name, not looked up again) and cluster state
      if (d != null && d.forward == forward && d.listener == listener) {
        return d.upstream;
      }
    }
    ClusterEntry cluster = snapshot.cluster(forward.cluster());
    if (cluster == null) {
      return new RoutedCall.LocalReply(forward.clusterNotFoundStatus(), "NC", "");
    }
    if (!recent) {
      return upstream(forward, cluster, listener, hash);
    }
    RoutedCall.Upstream up = upstream(forward, cluster, listener, hash);
    c.recent[slot] = new Decided(forward, listener, up);
    return up;
  }

  private RoutedCall.Upstream upstream(RouteDecision.Forward forward, ClusterEntry cluster, OutboundListener listener,
      long hash) {
    return new RoutedCall.Upstream(forward.route(), cluster, listener, forward.mutation(), hash,
        resilience.cluster(cluster));
  }

  /**
   * The compiled chain for a decision: its route's as its listener needs it ({@link RouteChains#of(RoutedCall)}), else
   * the no-route chain.
   */
  public RouteChain chain(RoutedCall call) {
    MeshSnapshot s = snapshots.current();
    Compiled c = compiled;
    if (c == null || c.snapshot != s) {
      c = new Compiled(s, new RouteChains(filters, builtIns.apply(this)));
      compiled = c;
    }
    return c.chains.of(call);
  }

  /**
   * Whether {@code host} names a Kubernetes service: {@code name.namespace.svc[.domain]}, or a
   * single label other than {@code localhost} (a short service name).
   */
  boolean meshService(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.endsWith(".svc") || h.endsWith(".svc." + clusterDomain)) {
      return true;
    }
    return h.indexOf('.') < 0 && h.indexOf(':') < 0 && !h.equals("localhost");
  }
}
