package io.bowline.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.controlplane.istio.EnvoyFilter;
import io.bowline.controlplane.istio.EnvoyFilter.ApplyTo;
import io.bowline.controlplane.istio.EnvoyFilter.Patch;
import io.bowline.controlplane.istio.IstioConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Applies the EnvoyFilter patches the local control plane keeps (Istio's rate-limit task shapes, see
 * {@link EnvoyFilter}) to the resources one client sees, after they are generated, as istiod does.
 *
 * <p>Which EnvoyFilters apply: those of the root namespace ({@code meshConfig.rootNamespace}) and of the client's
 * namespace whose {@code workloadSelector.labels} the client carries (no selector: every workload), root namespace
 * first, then by {@code priority}, then in file order. Which patches: context {@code ANY}, or
 * {@code SIDECAR_OUTBOUND} for a sidecar client (its API listeners' {@code HttpConnectionManager}s and outbound
 * route configurations) and {@code GATEWAY} for a gateway ({@code router~} node: its socket listeners'
 * {@code HttpConnectionManager}s and route configurations).
 *
 * <ul>
 *   <li>{@code HTTP_FILTER}: {@code INSERT_BEFORE}/{@code INSERT_AFTER} the filter named by
 *       {@code subFilter.name} (not applied when the chain has none; without a {@code subFilter} first, respectively
 *       last, as istiod does),
 *       {@code INSERT_FIRST}, {@code ADD} (appended); only on listeners of {@code listener.portNumber} when set.
 *   <li>{@code VIRTUAL_HOST} / {@code HTTP_ROUTE} {@code MERGE}: protobuf merge of the value (repeated fields
 *       appended, map entries such as {@code typed_per_filter_config} replaced) into the virtual hosts named
 *       {@code vhost.name} (any when unset or empty) and their routes named {@code route.name} (any when unset).
 *   <li>{@code CLUSTER} {@code ADD}: the cluster is added (replacing a generated one of the same name).
 * </ul>
 */
final class EnvoyFilterTranslation {
  private static final String HCM = "envoy.filters.network.http_connection_manager";

  private EnvoyFilterTranslation() {}

  /** The resources of {@code client} with the patches that apply to it; {@code resources} when none does. */
  static XdsResources apply(IstioConfig config, ClientView client, XdsResources resources) {
    List<Patch> patches = patches(config, client);
    if (patches.isEmpty()) {
      return resources;
    }
    List<Listener> listeners = new ArrayList<>();
    for (Listener listener : resources.listeners()) {
      listeners.add(patchListener(listener, client.router(), patches));
    }
    List<RouteConfiguration> routes = new ArrayList<>();
    for (RouteConfiguration configuration : resources.routeConfigurations()) {
      routes.add(patchRoutes(configuration, patches));
    }
    List<Cluster> clusters = new ArrayList<>(resources.clusters());
    for (Patch patch : patches) {
      if (patch.applyTo() == ApplyTo.CLUSTER) {
        Cluster added = (Cluster) patch.value();
        clusters.removeIf(c -> c.getName().equals(added.getName()));
        clusters.add(added);
      }
    }
    return new XdsResources(listeners, routes, clusters, resources.endpoints(), resources.diagnostics(),
        resources.secrets());
  }

  /** The patches that apply to {@code client}, in the order they apply. */
  static List<Patch> patches(IstioConfig config, ClientView client) {
    String root = config.telemetry().mesh().rootNamespace();
    String context = client.router() ? "GATEWAY" : "SIDECAR_OUTBOUND";
    List<EnvoyFilter> filters = new ArrayList<>();
    for (EnvoyFilter filter : config.envoyFilters()) {
      String namespace = filter.ref().namespace();
      if ((namespace.equals(root) || namespace.equals(client.namespace()))
          && client.labels().entrySet().containsAll(filter.workloadSelector().entrySet())) {
        filters.add(filter);
      }
    }
    filters.sort(Comparator.comparing((EnvoyFilter f) -> !f.ref().namespace().equals(root))
        .thenComparingInt(EnvoyFilter::priority));
    List<Patch> patches = new ArrayList<>();
    for (EnvoyFilter filter : filters) {
      for (Patch patch : filter.patches()) {
        if (patch.context().equals("ANY") || patch.context().equals(context)) {
          patches.add(patch);
        }
      }
    }
    return patches;
  }

  private static Listener patchListener(Listener listener, boolean router, List<Patch> patches) {
    if (listener.hasApiListener() == router) {
      return listener; // a sidecar's patches go to its API listeners, a gateway's to its socket listeners
    }
    int port = port(listener);
    List<Patch> applying = patches.stream().filter(p -> p.applyTo() == ApplyTo.HTTP_FILTER
        && (p.portNumber().isEmpty() || p.portNumber().getAsInt() == port)).toList();
    if (applying.isEmpty()) {
      return listener;
    }
    if (listener.hasApiListener()) {
      Any patched = Any.pack(patchFilters(unpack(listener, listener.getApiListener().getApiListener()), applying));
      return listener.toBuilder().setApiListener(listener.getApiListener().toBuilder().setApiListener(patched))
          .build();
    }
    Listener.Builder builder = listener.toBuilder();
    for (FilterChain.Builder chain : builder.getFilterChainsBuilderList()) {
      for (Filter.Builder filter : chain.getFiltersBuilderList()) {
        if (filter.getName().equals(HCM) && filter.hasTypedConfig()) {
          filter.setTypedConfig(Any.pack(patchFilters(unpack(listener, filter.getTypedConfig()), applying)));
        }
      }
    }
    return builder.build();
  }

  private static HttpConnectionManager patchFilters(HttpConnectionManager hcm, List<Patch> patches) {
    List<HttpFilter> filters = new ArrayList<>(hcm.getHttpFiltersList());
    for (Patch patch : patches) {
      HttpFilter value = (HttpFilter) patch.value();
      switch (patch.operation()) {
        case INSERT_FIRST -> filters.add(0, value);
        case INSERT_BEFORE, INSERT_AFTER -> {
          if (patch.subFilter().isEmpty()) { // as istiod: before → first, after → last
            filters.add(patch.operation() == EnvoyFilter.Operation.INSERT_BEFORE ? 0 : filters.size(), value);
            continue;
          }
          int at = indexOf(filters, patch.subFilter().get());
          if (at >= 0) {
            filters.add(patch.operation() == EnvoyFilter.Operation.INSERT_BEFORE ? at : at + 1, value);
          }
        }
        default -> filters.add(value);
      }
    }
    return hcm.toBuilder().clearHttpFilters().addAllHttpFilters(filters).build();
  }

  private static int indexOf(List<HttpFilter> filters, String name) {
    for (int i = 0; i < filters.size(); i++) {
      if (filters.get(i).getName().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static RouteConfiguration patchRoutes(RouteConfiguration configuration, List<Patch> patches) {
    RouteConfiguration.Builder builder = configuration.toBuilder();
    for (Patch patch : patches) {
      if (patch.applyTo() != ApplyTo.VIRTUAL_HOST && patch.applyTo() != ApplyTo.HTTP_ROUTE) {
        continue;
      }
      for (VirtualHost.Builder host : builder.getVirtualHostsBuilderList()) {
        if (patch.vhost().isPresent() && !patch.vhost().get().equals(host.getName())) {
          continue;
        }
        if (patch.applyTo() == ApplyTo.VIRTUAL_HOST) {
          host.mergeFrom(patch.value());
          continue;
        }
        for (Route.Builder route : host.getRoutesBuilderList()) {
          if (patch.route().isEmpty() || patch.route().get().equals(route.getName())) {
            route.mergeFrom(patch.value());
          }
        }
      }
    }
    return builder.build();
  }

  /** The listener's port: its socket address's, or the {@code :port} ending an API listener's name. */
  private static int port(Listener listener) {
    if (listener.hasAddress()) {
      return listener.getAddress().getSocketAddress().getPortValue();
    }
    String name = listener.getName();
    try {
      return Integer.parseInt(name.substring(name.lastIndexOf(':') + 1));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static HttpConnectionManager unpack(Listener listener, Any any) {
    try {
      return any.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("listener " + listener.getName() + " holds no HttpConnectionManager", e);
    }
  }
}
