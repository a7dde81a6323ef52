package io.bowline.runtime.staticconfig;

import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Makes an Envoy socket listener of a static file routable for outbound calls: a listener whose
 * {@code address} is a {@code socket_address} {@code A}:{@code P} and whose only filter chain (from
 * {@code filter_chains}, or else {@code default_filter_chain}) holds an
 * {@code envoy.filters.network.http_connection_manager} filter becomes an {@code api_listener}
 * listener named {@code A:P} carrying that {@code HttpConnectionManager}, so a call to
 * {@code http://A:P/...} is routed by its {@code route_config} as Envoy would route a request it
 * accepted on that socket. The listener is then reported in the status under {@code A:P}.
 *
 * <p>What is not carried over: the downstream side of the socket ({@code transport_socket},
 * e.g. a {@code DownstreamTlsContext}; listener filters), since the call never leaves the process
 * before routing; and {@code 0.0.0.0} / {@code ::} are not wildcards: the call must name the
 * address as written. Listeners with several HTTP filter chains (chosen by
 * {@code filter_chain_match}) or without an HTTP connection manager are left as they are (they
 * load and route nothing), as are listeners that already have an {@code api_listener}.
 */
public final class SocketListeners {
  /** Envoy's name of the HTTP connection manager network filter. */
  static final String HCM_FILTER = "envoy.filters.network.http_connection_manager";
  private static final String HCM_TYPE =
      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

  private SocketListeners() {}

  /** The listeners with each eligible socket listener replaced as described above; order kept. */
  public static List<Listener> asOutbound(List<Listener> listeners) {
    List<Listener> out = new ArrayList<>(listeners.size());
    for (Listener l : listeners) {
      out.add(asOutbound(l).orElse(l));
    }
    return out;
  }

  /** The routable form of one socket listener, or empty if it is not eligible. */
  public static Optional<Listener> asOutbound(Listener l) {
    if (l.hasApiListener() || !l.getAddress().hasSocketAddress()) {
      return Optional.empty();
    }
    List<FilterChain> chains = l.getFilterChainsCount() > 0 ? l.getFilterChainsList()
        : l.hasDefaultFilterChain() ? List.of(l.getDefaultFilterChain()) : List.of();
    List<Filter> hcms = new ArrayList<>();
    for (FilterChain chain : chains) {
      for (Filter f : chain.getFiltersList()) {
        if (f.hasTypedConfig() && (f.getName().equals(HCM_FILTER) || f.getTypedConfig().getTypeUrl().equals(HCM_TYPE))) {
          hcms.add(f);
        }
      }
    }
    if (hcms.size() != 1) {
      return Optional.empty();
    }
    var sa = l.getAddress().getSocketAddress();
    return Optional.of(Listener.newBuilder()
        .setName(sa.getAddress() + ":" + sa.getPortValue())
        .setAddress(l.getAddress())
        .setApiListener(ApiListener.newBuilder().setApiListener(hcms.get(0).getTypedConfig()))
        .build());
  }
}
