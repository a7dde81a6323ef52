package io.bowline.controlplane.istio;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses a Sidecar's {@code spec}: {@code workloadSelector.labels} and {@code egress[].hosts} (each must be
 * {@code namespace/host}: an error otherwise, as istiod's validation rejects it). {@code ingress},
 * {@code outboundTrafficPolicy} and an egress listener's {@code port}, {@code bind} and {@code captureMode}
 * concern a proxy's own listeners and are reported as having no effect.
 */
final class SidecarParser {

  private static final Set<String> HANDLED = Set.of("workloadSelector", "egress");
  private static final Set<String> IGNORED = Set.of("ingress", "outboundTrafficPolicy", "inboundConnectionPool");
  private static final Set<String> EGRESS_HANDLED = Set.of("hosts");
  private static final Set<String> EGRESS_IGNORED = Set.of("port", "bind", "captureMode");

  private SidecarParser() {}

  /** Returns the Sidecar, or empty after an error (a host without its namespace, or no egress hosts). */
  static Optional<Sidecar> parse(SpecReader spec) {
    spec.reportUnhandled(HANDLED, IGNORED);
    Optional<Map<String, String>> selector =
        spec.object("workloadSelector").map(selectorSpec -> selectorSpec.stringMap("labels"));
    List<String> hosts = new ArrayList<>();
    boolean valid = true;
    List<SpecReader> egress = spec.objects("egress");
    for (SpecReader listener : egress) {
      listener.reportUnhandled(EGRESS_HANDLED, EGRESS_IGNORED);
      List<String> listenerHosts = listener.strings("hosts");
      if (listenerHosts.isEmpty()) {
        listener.error("hosts", "missing required field (at least one namespace/host)");
        valid = false;
      }
      for (int i = 0; i < listenerHosts.size(); i++) {
        String host = listenerHosts.get(i);
        int slash = host.indexOf('/');
        if (slash <= 0 || slash == host.length() - 1) {
          listener.error("hosts[" + i + "]", "'" + ValueChecks.shorten(String.valueOf(host))
              + "' must be namespace/host, for example ./* or "
              + "istio-system/*");
          valid = false;
        } else {
          hosts.add(host);
        }
      }
    }
    if (egress.isEmpty()) {
      // istiod then uses the mesh-wide default egress (everything the namespace may see).
      hosts.add("*/*");
    }
    return valid ? Optional.of(new Sidecar(spec.ref(), selector, hosts)) : Optional.empty();
  }
}
