package io.bowline.runtime.xds;

import io.bowline.runtime.bootstrap.ServerInfo;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What identifies one xDS client: its servers (in gRFC A71 fallback order), its node, the
 * does-not-exist timeout and the protocol variant. Two mesh clients with equal configs share one
 * {@link XdsClient} (see {@link XdsClientPool}).
 *
 * @param servers the ADS servers; the first is the primary; never empty
 * @param node the node sent on the first request of each stream
 * @param initialFetchTimeout the does-not-exist timer for a subscribed name (Envoy's
 *     {@code ConfigSource.initial_fetch_timeout}, default 15 s); zero waits forever
 * @param delta incremental ADS ({@code DeltaAggregatedResources}) instead of state of the world
 * @param certificateProviderInstances the bootstrap's {@code certificate_providers} instance names, which
 *     clusters' TLS contexts may name (gRFC A29); a context naming another is NACKed
 * @param serverListenerPrefix the bootstrap's {@code server_listener_resource_name_template} up to {@code %s}
 *     (Istio's {@code xds.istio.io/grpc/lds/inbound/} without one): LDS resources so named are server listeners
 */
public record XdsClientConfig(List<ServerInfo> servers, Node node, Duration initialFetchTimeout, boolean delta,
    java.util.Set<String> certificateProviderInstances, String serverListenerPrefix) {
  /** A config whose server listeners are named as Istio names them. */
  public XdsClientConfig(List<ServerInfo> servers, Node node, Duration initialFetchTimeout, boolean delta,
      java.util.Set<String> certificateProviderInstances) {
    this(servers, node, initialFetchTimeout, delta, certificateProviderInstances,
        io.bowline.runtime.xds.resource.ListenerResourceType.ISTIO_SERVER_LISTENER_PREFIX);
  }

  /** A config without certificate provider instances. */
  public XdsClientConfig(List<ServerInfo> servers, Node node, Duration initialFetchTimeout, boolean delta) {
    this(servers, node, initialFetchTimeout, delta, java.util.Set.of());
  }

  public XdsClientConfig {
    servers = List.copyOf(servers);
    certificateProviderInstances = java.util.Set.copyOf(certificateProviderInstances);
    Objects.requireNonNull(serverListenerPrefix, "serverListenerPrefix");
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("an xDS client needs at least one server");
    }
    Objects.requireNonNull(node, "node");
    if (initialFetchTimeout.isNegative()) {
      throw new IllegalArgumentException("initialFetchTimeout must not be negative: " + initialFetchTimeout);
    }
  }

  /** One plaintext server, state of the world. */
  public static XdsClientConfig of(String target, Node node, Duration initialFetchTimeout) {
    return new XdsClientConfig(List.of(ServerInfo.insecure(target)), node, initialFetchTimeout, false);
  }
}
