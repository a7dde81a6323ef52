package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.VirtualService.HeaderOperations;
import io.bowline.controlplane.istio.VirtualService.Headers;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Istio {@code Headers} → Envoy header mutations ({@code request_headers_to_add/remove},
 * {@code response_headers_to_add/remove}) on a {@code Route} (route-level headers, and the headers of a
 * rule's only destination) or on a {@code WeightedCluster.ClusterWeight} (per-destination headers). As istiod
 * does: {@code set} → {@code append_action: OVERWRITE_IF_EXISTS_OR_ADD}, {@code add} →
 * {@code APPEND_IF_EXISTS_OR_ADD}, {@code remove} → the names; each sorted by header name for stable output.
 */
final class HeaderOperationsTranslator {

  private HeaderOperationsTranslator() {}

  /** Adds the mutations of {@code headers} to {@code route}. */
  static void apply(Route.Builder route, Headers headers) {
    route.addAllRequestHeadersToAdd(toAdd(headers.request()))
        .addAllRequestHeadersToRemove(toRemove(headers.request()))
        .addAllResponseHeadersToAdd(toAdd(headers.response()))
        .addAllResponseHeadersToRemove(toRemove(headers.response()));
  }

  /** Adds the mutations of {@code headers} to one weighted destination. */
  static void apply(ClusterWeight.Builder cluster, Headers headers) {
    cluster.addAllRequestHeadersToAdd(toAdd(headers.request()))
        .addAllRequestHeadersToRemove(toRemove(headers.request()))
        .addAllResponseHeadersToAdd(toAdd(headers.response()))
        .addAllResponseHeadersToRemove(toRemove(headers.response()));
  }

  private static List<HeaderValueOption> toAdd(HeaderOperations operations) {
    List<HeaderValueOption> options = new ArrayList<>();
    options.addAll(options(operations.set(), HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
    options.addAll(options(operations.add(), HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
    return options;
  }

  private static List<HeaderValueOption> options(Map<String, String> headers, HeaderAppendAction action) {
    List<HeaderValueOption> options = new ArrayList<>();
    for (Map.Entry<String, String> header : new TreeMap<>(headers).entrySet()) {
      options.add(HeaderValueOption.newBuilder()
          .setHeader(HeaderValue.newBuilder().setKey(header.getKey()).setValue(header.getValue()))
          .setAppendAction(action)
          .build());
    }
    return options;
  }

  private static List<String> toRemove(HeaderOperations operations) {
    return List.copyOf(new TreeSet<>(operations.remove()));
  }
}
