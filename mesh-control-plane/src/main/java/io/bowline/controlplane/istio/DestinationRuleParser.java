package io.bowline.controlplane.istio;

import io.bowline.controlplane.istio.DestinationRule.Subset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** Parses the {@code spec} of an Istio {@code DestinationRule}. */
final class DestinationRuleParser {

  private static final Set<String> HANDLED = Set.of("host", "subsets", "trafficPolicy");
  private static final Set<String> IGNORED = Set.of("exportTo");

  private DestinationRuleParser() {}

  /** Returns the rule, or empty (after an error) when {@code host} is missing. */
  static Optional<DestinationRule> parse(SpecReader spec) {
    spec.reportUnhandled(HANDLED, IGNORED);
    Optional<String> host = spec.requiredString("host");
    Optional<LoadBalancerSettings> loadBalancer = trafficPolicy(spec);
    List<Subset> subsets = new ArrayList<>();
    for (SpecReader subset : spec.objects("subsets")) {
      subset.reportUnhandled(Set.of("name", "labels", "trafficPolicy"), Set.of());
      Optional<String> name = subset.requiredString("name");
      Optional<LoadBalancerSettings> subsetLoadBalancer = trafficPolicy(subset);
      name.ifPresent(n -> subsets.add(new Subset(n, subset.stringMap("labels"), subsetLoadBalancer,
          TrafficResilienceParser.parse(subset), portLevelSettings(subset),
          subset.object("trafficPolicy").flatMap(ClientTlsParser::parse))));
    }
    return host.map(h -> new DestinationRule(spec.ref(), h, loadBalancer, subsets,
        TrafficResilienceParser.parse(spec), portLevelSettings(spec),
        spec.object("trafficPolicy").flatMap(ClientTlsParser::parse)));
  }

  /** Reads {@code trafficPolicy.portLevelSettings} of {@code owner}; entries without a port number are errors. */
  private static List<PortTrafficPolicy> portLevelSettings(SpecReader owner) {
    List<PortTrafficPolicy> settings = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    owner.object("trafficPolicy").ifPresent(policy -> {
      for (SpecReader entry : policy.objects("portLevelSettings")) {
        entry.reportUnhandled(Set.of("port", "loadBalancer", "connectionPool", "outlierDetection", "tls"), Set.of());
        OptionalInt port = entry.object("port").map(p -> {
          p.reportUnhandled(Set.of("number"), Set.of());
          return p.port("number");
        }).orElse(OptionalInt.empty());
        if (port.isEmpty()) {
          entry.error("port", "portLevelSettings entry needs port.number");
          continue;
        }
        if (!seen.add(port.getAsInt())) {
          entry.warning("port", "port " + port.getAsInt() + " already has port-level settings; the first entry wins");
          continue;
        }
        settings.add(new PortTrafficPolicy(port.getAsInt(),
            entry.object("loadBalancer").map(LoadBalancerParser::parse), TrafficResilienceParser.fromPolicy(entry),
            ClientTlsParser.parse(entry)));
      }
    });
    return settings;
  }

  /** Reads {@code trafficPolicy.loadBalancer} of {@code owner}; other policies are reported. */
  private static Optional<LoadBalancerSettings> trafficPolicy(SpecReader owner) {
    return owner.object("trafficPolicy").flatMap(policy -> {
      policy.reportUnhandled(
          Set.of("loadBalancer", "connectionPool", "outlierDetection", "portLevelSettings", "tls"), Set.of());
      return policy.object("loadBalancer").map(LoadBalancerParser::parse);
    });
  }
}
