package io.bowline.controlplane.translate;

import io.bowline.controlplane.DiagnosticCode;
import io.bowline.controlplane.istio.Deployment;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.Gateway;
import io.bowline.controlplane.istio.Gateway.Server;
import io.bowline.controlplane.istio.Gateway.TlsMode;
import io.bowline.controlplane.istio.GatewayVirtualService;
import io.bowline.controlplane.istio.Gateways;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.TlsSecret;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code analyze} finds in gateway configuration, as {@code istioctl analyze} does, all as warnings (a
 * gateway that cannot serve something serves nothing for it; the rest of the configuration is served):
 *
 * <ul>
 *   <li>IST0101: a VirtualService names a gateway no Gateway defines; a SIMPLE or MUTUAL server's
 *       {@code credentialName} names no TLS Secret in the gateway workload's namespace (the namespace of the
 *       Deployments whose pod labels the Gateway's selector matches, else the Gateway's own), or, for MUTUAL,
 *       the credential has no CA ({@code ca.crt}, or a Secret {@code <credentialName>-cacert});
 *   <li>IST0132: a VirtualService is bound to a Gateway none of whose servers serves any of its hosts;
 *   <li>IST0145: Gateways with the same selector use one port with different protocols.
 * </ul>
 *
 * The destinations of VirtualServices bound only to gateways are checked like those of the mesh's.
 */
final class GatewayChecks {

  private GatewayChecks() {}

  static void check(IstioConfig config, HostResolver resolver, ServiceRegistry registry, DestinationPolicies policies,
      DiagnosticCollector diagnostics) {
    Gateways gateways = config.gateways();
    DestinationValidator.validate(gateways.virtualServices().stream().filter(bound -> !bound.mesh())
        .map(GatewayVirtualService::virtualService).toList(), resolver, registry, policies, diagnostics);
    Map<String, Gateway> byName = new LinkedHashMap<>();
    gateways.gateways().forEach(gateway -> byName.put(gateway.qualifiedName(), gateway));
    for (GatewayVirtualService bound : gateways.virtualServices()) {
      bindings(bound, byName, resolver, diagnostics);
    }
    ports(gateways.gateways(), diagnostics);
    for (Gateway gateway : gateways.gateways()) {
      credentials(gateway, config, diagnostics);
    }
  }

  private static void bindings(GatewayVirtualService bound, Map<String, Gateway> byName, HostResolver resolver,
      DiagnosticCollector diagnostics) {
    var virtualService = bound.virtualService();
    List<String> hosts = GatewayTranslator.virtualServiceHosts(resolver, bound);
    for (String name : bound.gateways()) {
      Gateway gateway = byName.get(name);
      if (gateway == null) {
        diagnostics.warning(DiagnosticCode.REFERENCED_RESOURCE_NOT_FOUND, virtualService.ref(), "spec.gateways",
            "gateway " + name + " is not defined by any Gateway; no gateway routes by this VirtualService for it");
        continue;
      }
      boolean served = gateway.servers().stream().anyMatch(server -> !GatewayTranslator.intersection(
          GatewayTranslator.serverHosts(gateway, server, virtualService.ref().namespace()), hosts).isEmpty());
      if (!served) {
        diagnostics.warning(DiagnosticCode.VIRTUAL_SERVICE_HOST_NOT_FOUND_IN_GATEWAY, virtualService.ref(),
            "spec.hosts", "no server of Gateway " + name + " (" + gateway.ref().file() + ") serves any of the hosts "
                + hosts + " for namespace " + virtualService.ref().namespace() + "; its routes are not served there");
      }
    }
  }

  /** The protocol family a port's listener speaks: plaintext HTTP, TLS-terminated HTTP, or raw TCP/TLS. */
  private static String family(Server server) {
    if (server.isHttp()) {
      return "HTTP";
    }
    return server.port().protocol().equals("HTTPS") && !server.isPassthrough() ? "HTTPS" : server.port().protocol();
  }

  private static void ports(List<Gateway> gateways, DiagnosticCollector diagnostics) {
    Map<String, Map.Entry<Gateway, Server>> first = new LinkedHashMap<>();
    for (Gateway gateway : gateways) {
      for (Server server : gateway.servers()) {
        String key = gateway.selector() + "|" + (server.bind().isEmpty() ? "0.0.0.0" : server.bind()) + "|"
            + server.port().number();
        Map.Entry<Gateway, Server> earlier = first.putIfAbsent(key, Map.entry(gateway, server));
        if (earlier != null && !family(earlier.getValue()).equals(family(server))) {
          diagnostics.warning(DiagnosticCode.CONFLICTING_GATEWAYS, gateway.ref(), server.field() + ".port",
              "port " + server.port().number() + " is " + server.port().protocol() + " here but "
                  + earlier.getValue().port().protocol() + " in Gateway " + earlier.getKey().qualifiedName() + " "
                  + earlier.getValue().field() + ", for the same selector " + gateway.selector()
                  + "; a listener speaks one protocol, this server is not served correctly");
        }
      }
    }
  }

  private static void credentials(Gateway gateway, IstioConfig config, DiagnosticCollector diagnostics) {
    Set<String> namespaces = new LinkedHashSet<>();
    for (Deployment deployment : config.deployments()) {
      if (!deployment.podLabels().isEmpty() && gateway.selects(deployment.podLabels())) {
        namespaces.add(deployment.ref().namespace());
      }
    }
    if (namespaces.isEmpty()) {
      namespaces.add(gateway.ref().namespace());
    }
    for (Server server : gateway.servers()) {
      TlsMode mode = server.tls().mode();
      if (mode != TlsMode.SIMPLE && mode != TlsMode.MUTUAL) {
        continue;
      }
      String name = server.tls().credentialName();
      for (String namespace : namespaces) {
        Optional<TlsSecret> secret = config.gateways().secret(namespace, name);
        if (secret.isEmpty() || secret.get().certificateChain().isEmpty()) {
          diagnostics.warning(DiagnosticCode.REFERENCED_RESOURCE_NOT_FOUND, gateway.ref(),
              server.field() + ".tls.credentialName", "credentialName " + name + ": no Secret " + namespace + "/"
                  + name + " of type kubernetes.io/tls with tls.crt and tls.key; the gateway in " + namespace
                  + " does not serve this server");
        } else if (mode == TlsMode.MUTUAL && !secret.get().hasCaCertificate()
            && config.gateways().secret(namespace, name + GatewayTranslator.CA_SUFFIX)
                .filter(TlsSecret::hasCaCertificate).isEmpty()) {
          diagnostics.warning(DiagnosticCode.REFERENCED_RESOURCE_NOT_FOUND, gateway.ref(),
              server.field() + ".tls.credentialName", "credentialName " + name + ": MUTUAL needs a CA to verify "
                  + "client certificates: ca.crt in Secret " + namespace + "/" + name + ", or a Secret "
                  + namespace + "/" + name + GatewayTranslator.CA_SUFFIX + "; the gateway does not serve this server");
        }
      }
    }
  }
}
