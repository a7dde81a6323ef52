package io.bowline.controlplane.server;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Serves a view's inbound listeners ({@code xds.istio.io/grpc/lds/inbound/<ip>:<port>}, gRFC A36 server
 * listeners) as istiod's {@code grpc} generator does on a state-of-the-world stream: only to a request that
 * names them. A wildcard LDS request (no names, or the explicit wildcard {@code *}) gets every other listener of
 * the snapshot plus the inbound listeners it also names; a request of names only gets those names. A request
 * that adds an inbound name the snapshot holds is answered at once, without waiting for a new snapshot.
 *
 * <p>Incremental (delta) LDS is left as java-control-plane serves it: a wildcard type whose response holds
 * every listener of the snapshot, inbound ones included.
 */
final class NamedInboundListenersWatcher implements ConfigWatcher {

  /** The name prefix of inbound listeners (Istio's {@code server_listener_resource_name_template} up to %s). */
  static final String INBOUND_PREFIX = "xds.istio.io/grpc/lds/inbound/";
  private static final String WILDCARD = "*";

  private final ConfigWatcher delegate;
  /** The inbound names each node's previous wildcard LDS request carried. */
  private final Map<String, Set<String>> lastInbound = new ConcurrentHashMap<>();

  NamedInboundListenersWatcher(ConfigWatcher delegate) {
    this.delegate = delegate;
  }

  @Override
  public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
      Consumer<Response> responseConsumer, boolean hasClusterChanged, boolean allowDefaultEmptyEdsUpdate) {
    List<String> names = request.getResourceNamesList();
    if (request.getResourceType() != Resources.ResourceType.LISTENER
        || !(names.isEmpty() || names.contains(WILDCARD))) {
      return delegate.createWatch(ads, request, knownResourceNames, responseConsumer, hasClusterChanged,
          allowDefaultEmptyEdsUpdate);
    }
    Set<String> inbound = new TreeSet<>();
    names.stream().filter(n -> n.startsWith(INBOUND_PREFIX)).forEach(inbound::add);
    Set<String> previous = lastInbound.put(request.v3Request().getNode().getId(), inbound);
    boolean newlyNamed = previous != null && !previous.containsAll(inbound);
    var wildcard = request.v3Request().toBuilder().clearResourceNames();
    if (newlyNamed) {
      wildcard.setVersionInfo(""); // answer the added names now, not at the next snapshot
    }
    Consumer<Response> filtered = response -> responseConsumer.accept(Response.create(request,
        response.resources().stream()
            .filter(r -> !(r instanceof Listener l) || !l.getName().startsWith(INBOUND_PREFIX)
                || inbound.contains(l.getName()))
            .toList(),
        response.version()));
    return delegate.createWatch(ads, XdsRequest.create(wildcard.build()), Set.of(), filtered, hasClusterChanged,
        allowDefaultEmptyEdsUpdate);
  }

  @Override
  public DeltaWatch createDeltaWatch(DeltaXdsRequest request, String requesterVersion,
      Map<String, String> resourceVersions, Set<String> pendingResources, boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer, boolean hasClusterChanged) {
    return delegate.createDeltaWatch(request, requesterVersion, resourceVersions, pendingResources, isWildcard,
        responseConsumer, hasClusterChanged);
  }
}
