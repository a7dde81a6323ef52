package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.List;

/**
 * The security part of a translation: {@code PeerAuthentication} and {@code AuthorizationPolicy} → the client
 * workload's inbound listeners ({@link InboundListenerTranslator}), plus, whatever the client, diagnostics for
 * what of the AuthorizationPolicies is not translated ({@link RbacFilterTranslator#check}) and what will not
 * work as written ({@link SecurityDiagnostics}); and DestinationRule
 * {@code trafficPolicy.tls} → the clusters' transport sockets ({@link ClusterTlsTranslator}).
 */
final class SecurityTranslation {

  private SecurityTranslation() {}

  /** Reports the security diagnostics of {@code config}, the same for every client. */
  static void check(IstioConfig config, DiagnosticCollector diagnostics) {
    RbacFilterTranslator.check(config.security().authorizationPolicies(), diagnostics);
    SecurityDiagnostics.check(config, diagnostics);
  }

  /** Adds {@code client}'s inbound listeners to {@code listeners} and puts TLS on the {@code clusters} under ISTIO_MUTUAL. */
  static void apply(IstioConfig config, HostResolver resolver, ServiceRegistry registry, ClientView client,
      List<Listener> listeners, List<Cluster> clusters) {
    listeners.addAll(InboundListenerTranslator.listeners(config, registry, client));
    ClusterTlsTranslator.apply(config, resolver, registry, client, clusters);
  }
}
