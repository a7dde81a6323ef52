package io.bowline.runtime.admin;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.bowline.api.ClientStatus;
import io.bowline.runtime.xds.ResourceDump;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClientResourceStatus;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.SecretsConfigDump;
import io.envoyproxy.envoy.admin.v3.UpdateFailureState;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds Envoy's admin {@code /config_dump} ({@code envoy.admin.v3.ConfigDump}) from what the xDS client holds:
 * a {@code BootstrapConfigDump} with the node, then {@code ClustersConfigDump}, {@code EndpointsConfigDump} (only
 * when asked, as Envoy's {@code ?include_eds}), {@code ListenersConfigDump}, {@code RoutesConfigDump} and
 * {@code SecretsConfigDump}, each resource with its {@code version_info}, {@code last_updated},
 * {@code client_status} and, for a NACKed one, {@code error_state} (the rejected resource, when it was
 * attempted, the error). Secrets and every other field marked sensitive are redacted ({@link DumpPrinter}).
 */
final class ConfigDumps {
  private static final String LISTENER = TypeUrls.LISTENER;
  private static final String ROUTE = TypeUrls.ROUTE_CONFIGURATION;
  private static final String CLUSTER = TypeUrls.CLUSTER;
  private static final String ENDPOINT = TypeUrls.CLUSTER_LOAD_ASSIGNMENT;
  private static final String SECRET = TypeUrls.SECRET;

  private ConfigDumps() {}

  /**
   * The dump, redacted.
   *
   * @param resources what the xDS client holds
   * @param acceptedVersions the last ACKed {@code version_info} per type URL
   * @param includeEds whether to add the {@code EndpointsConfigDump}
   * @param printer redacts and collects the types to print
   */
  static ConfigDump build(Node node, List<ResourceDump> resources, Map<String, String> acceptedVersions,
      boolean includeEds, DumpPrinter printer) {
    BootstrapConfigDump.Builder bootstrap = BootstrapConfigDump.newBuilder()
        .setBootstrap(Bootstrap.newBuilder().setNode(node));
    ClustersConfigDump.Builder clusters = ClustersConfigDump.newBuilder()
        .setVersionInfo(acceptedVersions.getOrDefault(CLUSTER, ""));
    EndpointsConfigDump.Builder endpoints = EndpointsConfigDump.newBuilder();
    ListenersConfigDump.Builder listeners = ListenersConfigDump.newBuilder()
        .setVersionInfo(acceptedVersions.getOrDefault(LISTENER, ""));
    RoutesConfigDump.Builder routes = RoutesConfigDump.newBuilder();
    SecretsConfigDump.Builder secrets = SecretsConfigDump.newBuilder();
    for (ResourceDump r : resources) {
      Any accepted = r.accepted() == null ? null : printer.redactAny(unwrap(r.accepted()));
      UpdateFailureState error = errorState(r, printer);
      ClientResourceStatus status = status(r.state());
      Timestamp updated = r.lastUpdated() == null ? null : timestamp(r.lastUpdated());
      switch (r.typeUrl()) {
        case LISTENER -> {
          var l = ListenersConfigDump.DynamicListener.newBuilder().setName(r.name()).setClientStatus(status);
          if (accepted != null) {
            var state = ListenersConfigDump.DynamicListenerState.newBuilder().setVersionInfo(r.version());
            fill(accepted, state::setListener, updated, state::setLastUpdated, null, null);
            l.setActiveState(state);
          }
          if (error != null) {
            l.setErrorState(error);
          }
          listeners.addDynamicListeners(l);
        }
        case ROUTE -> {
          var c = RoutesConfigDump.DynamicRouteConfig.newBuilder().setVersionInfo(r.version()).setClientStatus(status);
          fill(accepted, c::setRouteConfig, updated, c::setLastUpdated, error, c::setErrorState);
          routes.addDynamicRouteConfigs(c);
        }
        case CLUSTER -> {
          var c = ClustersConfigDump.DynamicCluster.newBuilder().setVersionInfo(r.version()).setClientStatus(status);
          fill(accepted, c::setCluster, updated, c::setLastUpdated, error, c::setErrorState);
          clusters.addDynamicActiveClusters(c);
        }
        case ENDPOINT -> {
          var c = EndpointsConfigDump.DynamicEndpointConfig.newBuilder().setVersionInfo(r.version())
              .setClientStatus(status);
          fill(accepted, c::setEndpointConfig, updated, c::setLastUpdated, error, c::setErrorState);
          endpoints.addDynamicEndpointConfigs(c);
        }
        case SECRET -> {
          var c = SecretsConfigDump.DynamicSecret.newBuilder().setName(r.name()).setVersionInfo(r.version())
              .setClientStatus(status);
          fill(accepted, c::setSecret, updated, c::setLastUpdated, error, c::setErrorState);
          secrets.addDynamicActiveSecrets(c);
        }
        default -> {
          // a type the client does not subscribe to has no place in the dump
        }
      }
    }
    ConfigDump.Builder dump = ConfigDump.newBuilder()
        .addConfigs(pack(printer, bootstrap.build()))
        .addConfigs(pack(printer, clusters.build()));
    if (includeEds) {
      dump.addConfigs(pack(printer, endpoints.build()));
    }
    return dump.addConfigs(pack(printer, listeners.build()))
        .addConfigs(pack(printer, routes.build()))
        .addConfigs(pack(printer, secrets.build()))
        .build();
  }

  /** Sets each of the resource, its update time and its error state that is present (not null). */
  private static void fill(Any resource, Consumer<Any> setResource, Timestamp updated, Consumer<Timestamp> setUpdated,
      UpdateFailureState error, Consumer<UpdateFailureState> setError) {
    if (resource != null) {
      setResource.accept(resource);
    }
    if (updated != null) {
      setUpdated.accept(updated);
    }
    if (error != null) {
      setError.accept(error);
    }
  }

  /** The CSDS / admin {@code ClientResourceStatus} of a state. */
  static ClientResourceStatus status(ClientStatus.State state) {
    return switch (state) {
      case REQUESTED -> ClientResourceStatus.REQUESTED;
      case DOES_NOT_EXIST -> ClientResourceStatus.DOES_NOT_EXIST;
      case ACKED -> ClientResourceStatus.ACKED;
      case NACKED -> ClientResourceStatus.NACKED;
    };
  }

  /** The {@code error_state} of a NACKed resource, or null. */
  static UpdateFailureState errorState(ResourceDump r, DumpPrinter printer) {
    if (r.state() != ClientStatus.State.NACKED) {
      return null;
    }
    UpdateFailureState.Builder e = UpdateFailureState.newBuilder()
        .setDetails(r.error() == null ? "" : r.error()).setVersionInfo(r.version());
    if (r.lastUpdated() != null) {
      e.setLastUpdateAttempt(timestamp(r.lastUpdated()));
    }
    if (r.rejected() != null) {
      e.setFailedConfiguration(printer.redactAny(unwrap(r.rejected())));
    }
    return e.build();
  }

  /** A delta or SotW {@code Resource} wrapper's inner resource; other {@code Any}s as they are. */
  static Any unwrap(Any any) {
    if (!any.getTypeUrl().equals(TypeUrls.RESOURCE_WRAPPER)) {
      return any;
    }
    try {
      return any.unpack(Resource.class).getResource();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return any;
    }
  }

  static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  private static Any pack(DumpPrinter printer, Message m) {
    return printer.redactAny(Any.pack(m));
  }
}
