package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.ClientTlsSettings;
import io.bowline.controlplane.istio.DestinationRule;
import io.bowline.controlplane.istio.DestinationRule.Subset;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.PortTrafficPolicy;
import io.bowline.controlplane.istio.WorkloadEntry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * DestinationRule {@code trafficPolicy.tls} → the cluster's {@code transport_socket}, as istiod's {@code grpc}
 * generator writes it: ISTIO_MUTUAL → an {@code UpstreamTlsContext} with the certificate provider instance
 * {@code default} ({@link TlsContexts#upstream}) whose SAN match is the rule's {@code subjectAltNames}, else the
 * SPIFFE identities {@code spiffe://cluster.local/ns/<ns>/sa/<serviceAccount>} of the service's WorkloadEntries
 * (none known: any mesh identity); DISABLE, SIMPLE and MUTUAL → no transport socket (istiod's grpc generator
 * supports only ISTIO_MUTUAL; the parser warns about SIMPLE and MUTUAL). A cluster the rules leave without
 * {@code tls} gets Istio's auto-mTLS {@code transport_socket_matches} for a client that applies them
 * ({@link ClientView#autoMtls()}) when its service has endpoints labelled {@code security.istio.io/tlsMode: istio}.
 *
 * <p>The policy of a cluster is merged as istiod's {@code MergeSubsetTrafficPolicy}: the rule's
 * {@code portLevelSettings} entry for the port replaces the rule's {@code tls} (an entry without {@code tls}
 * means none); a subset's port-level entry replaces everything, else the subset's {@code tls} when set, else
 * the service cluster's. Several rules for one host merge like {@link DestinationPolicies}: the first
 * {@code tls} and the first non-empty port-level settings win, the first definition of a subset wins.
 */
final class ClusterTlsTranslator {

  /** The trust domain of the SPIFFE identities istiod derives from service accounts. */
  static final String TRUST_DOMAIN = "cluster.local";

  private record HostTls(Optional<ClientTlsSettings> tls, List<PortTrafficPolicy> portLevelSettings,
      Map<String, Subset> subsets) {}

  private final Map<String, HostTls> byHost = new LinkedHashMap<>();
  private final IstioConfig config;
  private final ServiceRegistry registry;

  private ClusterTlsTranslator(IstioConfig config, ServiceRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  /** Replaces each cluster of {@code clusters} that a DestinationRule puts under ISTIO_MUTUAL by its TLS form. */
  static void apply(IstioConfig config, HostResolver resolver, ServiceRegistry registry, ClientView client,
      List<Cluster> clusters) {
    boolean anyTls = config.destinationRules().stream().anyMatch(ClusterTlsTranslator::setsTls);
    if (!anyTls && !client.autoMtls()) {
      return;
    }
    ClusterTlsTranslator translator = new ClusterTlsTranslator(config, registry);
    for (DestinationRule rule : anyTls ? config.destinationRules() : List.<DestinationRule>of()) {
      if (!HostResolver.isWildcard(rule.host())) {
        translator.merge(resolver.resolve(rule.host(), rule.ref().namespace()), rule);
      }
    }
    if (translator.byHost.isEmpty() && !client.autoMtls()) {
      return;
    }
    clusters.replaceAll(cluster -> translator.withTls(cluster, client.autoMtls()));
  }

  private static boolean setsTls(DestinationRule rule) {
    return rule.tls().isPresent()
        || rule.portLevelSettings().stream().anyMatch(p -> p.tls().isPresent())
        || rule.subsets().stream().anyMatch(subset -> subset.tls().isPresent()
            || subset.portLevelSettings().stream().anyMatch(p -> p.tls().isPresent()));
  }

  private void merge(String host, DestinationRule rule) {
    HostTls existing = byHost.get(host);
    if (existing == null) {
      Map<String, Subset> subsets = new LinkedHashMap<>();
      rule.subsets().forEach(subset -> subsets.putIfAbsent(subset.name(), subset));
      byHost.put(host, new HostTls(rule.tls(), rule.portLevelSettings(), subsets));
      return;
    }
    Map<String, Subset> subsets = new LinkedHashMap<>(existing.subsets());
    rule.subsets().forEach(subset -> subsets.putIfAbsent(subset.name(), subset));
    byHost.put(host, new HostTls(existing.tls().isPresent() ? existing.tls() : rule.tls(),
        existing.portLevelSettings().isEmpty() ? rule.portLevelSettings() : existing.portLevelSettings(), subsets));
  }

  /** The TLS settings of cluster {@code outbound|port|subset|host}, merged as istiod does. */
  Optional<ClientTlsSettings> settings(String host, String subset, int port) {
    HostTls policy = byHost.get(host);
    if (policy == null) {
      return Optional.empty();
    }
    Optional<ClientTlsSettings> service = atPort(policy.portLevelSettings(), port)
        .map(PortTrafficPolicy::tls).orElse(policy.tls());
    Subset defined = policy.subsets().get(subset);
    if (subset.isEmpty() || defined == null) {
      return service;
    }
    Optional<PortTrafficPolicy> subsetPort = atPort(defined.portLevelSettings(), port);
    if (subsetPort.isPresent()) {
      return subsetPort.get().tls();
    }
    return defined.tls().isPresent() ? defined.tls() : service;
  }

  private Cluster withTls(Cluster cluster, boolean autoMtls) {
    String[] parts = cluster.getName().split("\\|", -1);
    if (parts.length != 4 || !parts[0].equals("outbound") || !parts[1].matches("[0-9]+")) {
      return cluster;
    }
    Optional<ClientTlsSettings> tls = settings(parts[3], parts[2], Integer.parseInt(parts[1]));
    if (tls.isEmpty() && autoMtls && hasMeshEndpoints(parts[3])) {
      return withAutoMtls(cluster, serviceAccounts(parts[3]));
    }
    if (tls.isEmpty() || tls.get().mode() != ClientTlsSettings.Mode.ISTIO_MUTUAL) {
      return cluster;
    }
    List<String> sans = tls.get().subjectAltNames().isEmpty() ? serviceAccounts(parts[3]) : tls.get().subjectAltNames();
    return cluster.toBuilder().setTransportSocket(TlsContexts.transportSocket(TlsContexts.upstream(sans))).build();
  }

  /**
   * Istio's auto-mTLS as istiod writes it for sidecars: {@code transport_socket_matches} {@code tlsMode-istio}
   * (endpoints whose {@code envoy.transport_socket_match} metadata says {@code tlsMode: istio}) → ISTIO_MUTUAL,
   * then {@code tlsMode-disabled} (every other endpoint) → plaintext.
   */
  private static Cluster withAutoMtls(Cluster cluster, List<String> sans) {
    return cluster.toBuilder()
        .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
            .setMatch(com.google.protobuf.Struct.newBuilder().putFields(EndpointTranslator.TLS_MODE,
                com.google.protobuf.Value.newBuilder().setStringValue(EndpointTranslator.ISTIO).build()))
            .setTransportSocket(TlsContexts.transportSocket(TlsContexts.upstream(sans))))
        .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-disabled")
            .setTransportSocket(io.envoyproxy.envoy.config.core.v3.TransportSocket.newBuilder()
                .setName("envoy.transport_sockets.raw_buffer")))
        .build();
  }

  /** Whether some endpoint of {@code host}'s service carries the mesh's certificate ({@code tlsMode: istio}). */
  private boolean hasMeshEndpoints(String host) {
    return registry.find(host).map(service -> service.endpoints().stream().anyMatch(EndpointTranslator::meshCertificate))
        .orElse(false);
  }

  /** The SPIFFE identities of the WorkloadEntries of {@code host}'s service, sorted. */
  private List<String> serviceAccounts(String host) {
    Optional<MeshService> service = registry.find(host);
    if (service.isEmpty()) {
      return List.of();
    }
    TreeSet<String> identities = new TreeSet<>();
    for (WorkloadEntry entry : config.workloadEntries()) {
      if (!entry.serviceAccount().isEmpty() && service.get().endpoints().contains(entry.endpoint())) {
        identities.add("spiffe://" + TRUST_DOMAIN + "/ns/" + entry.ref().namespace() + "/sa/" + entry.serviceAccount());
      }
    }
    return List.copyOf(identities);
  }

  private static Optional<PortTrafficPolicy> atPort(List<PortTrafficPolicy> settings, int port) {
    return settings.stream().filter(setting -> setting.port() == port).findFirst();
  }
}
