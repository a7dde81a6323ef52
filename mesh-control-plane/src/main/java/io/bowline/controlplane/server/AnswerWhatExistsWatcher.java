package io.bowline.controlplane.server;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Makes java-control-plane's snapshot cache answer a named request with the requested resources that exist,
 * as istiod does, instead of withholding the whole type while any requested name is missing (what its ADS
 * mode does). It does so by always creating non-ADS watches; the stream is still the one ADS stream.
 */
final class AnswerWhatExistsWatcher implements ConfigWatcher {

  private final ConfigWatcher delegate;

  AnswerWhatExistsWatcher(ConfigWatcher delegate) {
    this.delegate = delegate;
  }

  @Override
  public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
      Consumer<Response> responseConsumer, boolean hasClusterChanged, boolean allowDefaultEmptyEdsUpdate) {
    return delegate.createWatch(false, request, knownResourceNames, responseConsumer, hasClusterChanged,
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
