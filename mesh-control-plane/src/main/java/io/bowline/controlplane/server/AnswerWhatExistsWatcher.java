package io.bowline.controlplane.server;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Makes java-control-plane's snapshot cache answer a named request with the requested resources that exist,
 * as istiod does, instead of withholding the whole type while any requested name is missing (what its ADS
 * mode does). It does so by always creating non-ADS watches; the stream is still the one ADS stream.
 *
 * <p>It also makes a resource that a client dropped and then requests again under the same version be sent
 * again: the cache only answers names it has not sent in the last ACKed response, and a client that went
 * from {a, b} to {a} and back to {a, b} would otherwise wait for {@code b} forever (grpc-java reports it as
 * does-not-exist after 15 s). So the names the cache treats as known are limited to those the client's
 * previous request of that type (per node id) still asked for.
 */
final class AnswerWhatExistsWatcher implements ConfigWatcher {

  private final ConfigWatcher delegate;
  private final Map<String, Set<String>> lastRequested = new ConcurrentHashMap<>();

  AnswerWhatExistsWatcher(ConfigWatcher delegate) {
    this.delegate = delegate;
  }

  @Override
  public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
      Consumer<Response> responseConsumer, boolean hasClusterChanged, boolean allowDefaultEmptyEdsUpdate) {
    Set<String> requested = Set.copyOf(request.getResourceNamesList());
    String key = request.v3Request().getNode().getId() + " " + request.getTypeUrl();
    Set<String> previous = lastRequested.put(key, requested);
    Set<String> known = knownResourceNames;
    if (previous != null && !requested.isEmpty() && !previous.containsAll(requested)) {
      known = new HashSet<>(knownResourceNames);
      known.retainAll(previous);
    }
    return delegate.createWatch(false, request, known, responseConsumer, hasClusterChanged,
        allowDefaultEmptyEdsUpdate);
  }

  @Override
  public DeltaWatch createDeltaWatch(DeltaXdsRequest request, String requesterVersion,
      Map<String, String> resourceVersions, Set<String> pendingResources, boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer, boolean hasClusterChanged) {
    return delegate.createDeltaWatch(request, requesterVersion, resourceVersions, pendingResources,
        isWildcard, responseConsumer, hasClusterChanged);
  }
}
