package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.IstioConfig;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.List;

/**
 * The security part of a translation: {@code PeerAuthentication} and {@code AuthorizationPolicy} → the client
 * workload's inbound listeners ({@link InboundListenerTranslator}), plus, whatever the client, diagnostics for
 * what of the AuthorizationPolicies is not translated ({@link RbacFilterTranslator#check}).
 */
final class SecurityTranslation {

  private SecurityTranslation() {}

  /** Adds {@code client}'s inbound listeners to {@code listeners} and the security diagnostics. */
  static void apply(IstioConfig config, ServiceRegistry registry, ClientView client, List<Listener> listeners,
      DiagnosticCollector diagnostics) {
    RbacFilterTranslator.check(config.security().authorizationPolicies(), diagnostics);
    listeners.addAll(InboundListenerTranslator.listeners(config, registry, client));
  }
}
