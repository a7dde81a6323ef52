package io.bowline.controlplane.istio;

import io.bowline.controlplane.istio.ServiceEntry.Resolution;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads a Kubernetes {@code Service} (core {@code v1}) as the mesh service Istio makes of it: host
 * {@code <name>.<namespace>.svc.<cluster domain>}, the Service's ports (protocol from {@code appProtocol},
 * else from the port name's prefix, as Istio's protocol selection does), resolution STATIC, and as endpoints
 * the WorkloadEntries of its namespace that carry all {@code spec.selector} labels (there are no pods here).
 * It becomes a {@link ServiceEntry} whose {@link ResourceRef#kind()} is {@code Service}.
 */
final class KubernetesServiceParser {

  private static final Set<String> HANDLED = Set.of("ports", "selector", "type");
  private static final Set<String> IGNORED = Set.of("clusterIP", "clusterIPs", "sessionAffinity",
      "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy", "externalTrafficPolicy", "loadBalancerIP",
      "publishNotReadyAddresses");
  private static final Set<String> PORT_FIELDS = Set.of("port", "name", "protocol", "appProtocol", "targetPort");
  private static final Set<String> KNOWN_PROTOCOLS = Set.of("http", "http2", "https", "grpc", "grpc-web",
      "tcp", "tls", "mongo", "mysql", "redis", "udp");

  private KubernetesServiceParser() {}

  static Optional<ServiceEntry> parse(SpecReader spec) {
    String type = spec.string("type").orElse("ClusterIP");
    if (type.equals("ExternalName")) {
      spec.warning("type", "a Service of type ExternalName is not translated; write a ServiceEntry with "
          + "resolution DNS instead; skipped");
      return Optional.empty();
    }
    spec.reportUnhandled(HANDLED, IGNORED);
    List<ServicePort> ports = new ArrayList<>();
    for (SpecReader entry : spec.objects("ports")) {
      entry.reportUnhandled(PORT_FIELDS, Set.of("nodePort"));
      OptionalInt number = entry.port("port");
      if (number.isEmpty()) {
        if (!entry.has("port")) {
          entry.error("port", "missing required field");
        }
        continue;
      }
      String name = entry.string("name").orElse("");
      String transport = entry.string("protocol").orElse("TCP");
      if (transport.equalsIgnoreCase("UDP") || transport.equalsIgnoreCase("SCTP")) {
        entry.info("protocol", transport + " ports are not part of the mesh; skipped");
        continue;
      }
      ports.add(new ServicePort(number.getAsInt(), name, protocol(entry, name), targetPort(entry)));
    }
    if (ports.isEmpty()) {
      spec.warning("ports", "the Service has no TCP port; skipped");
      return Optional.empty();
    }
    Map<String, String> selector = spec.stringMap("selector");
    if (selector.isEmpty()) {
      spec.info("selector", "no selector: the service gets no endpoints (add WorkloadEntries and a selector)");
    }
    String host = spec.ref().name();
    return Optional.of(new ServiceEntry(spec.ref(), List.of(host), ports, Resolution.STATIC, List.of(),
        selector.isEmpty() ? Optional.empty() : Optional.of(selector)));
  }

  /** Istio's protocol selection: {@code appProtocol}, else the name's prefix before '-'; "" when unknown. */
  private static String protocol(SpecReader entry, String name) {
    Optional<String> appProtocol = entry.string("appProtocol");
    String candidate = appProtocol.orElse(name.contains("-") ? name.substring(0, name.indexOf('-')) : name)
        .toLowerCase(Locale.ROOT);
    return KNOWN_PROTOCOLS.contains(candidate) ? candidate.toUpperCase(Locale.ROOT) : "";
  }

  private static int targetPort(SpecReader entry) {
    Optional<String> value = entry.string("targetPort");
    if (value.isEmpty()) {
      return 0;
    }
    if (!value.get().matches("[0-9]+")) {
      entry.info("targetPort", "named target port '" + ValueChecks.shorten(String.valueOf(value.get()))
          + "' cannot be resolved without pods; "
          + "WorkloadEntries give the endpoint port by port name");
      return 0;
    }
    return entry.port("targetPort").orElse(0);
  }
}
