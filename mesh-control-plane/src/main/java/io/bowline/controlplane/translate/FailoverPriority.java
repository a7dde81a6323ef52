package io.bowline.controlplane.translate;

import com.google.protobuf.UInt32Value;
import io.bowline.controlplane.istio.WorkloadEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Istio {@code localityLbSetting.failoverPriority} → endpoint priorities relative to one client, as istiod's
 * {@code applyPriorityFailover}: an endpoint whose labels equal the client's for the first {@code k} labels of
 * the list (in order, stopping at the first difference) gets priority {@code n - k} ({@code n} the list's
 * length; all equal: 0). Each locality's endpoints are split into one {@code LocalityLbEndpoints} per priority
 * (weight: the sum of its endpoints' weights), then priorities are renumbered 0..N without gaps.
 *
 * <p>Labels are the workload labels plus, as istiod adds them, the locality's
 * {@code topology.kubernetes.io/region}, {@code topology.kubernetes.io/zone} and
 * {@code topology.istio.io/subzone} (for the client: its node locality). A missing label equals an empty one.
 * An entry {@code label=value} compares the endpoint's label with {@code value} instead of the client's. Like
 * locality failover, it applies only when the cluster has outlier detection and the setting has no
 * {@code distribute} rule; it replaces the locality-proximity failover, unless {@code failover} rules are also set, which then
 * apply within each level ({@link LocalityLoadBalancing#failover}), as istiod does.
 */
final class FailoverPriority {

  /** The topology labels istiod derives from a locality. */
  static final List<String> TOPOLOGY_LABELS =
      List.of("topology.kubernetes.io/region", "topology.kubernetes.io/zone", "topology.istio.io/subzone");

  private FailoverPriority() {}

  /**
   * {@code assignment} (built by {@link EndpointTranslator} from {@code endpoints}, in that order) with
   * priorities for the client with {@code clientLabels} at {@code clientLocality}.
   */
  static ClusterLoadAssignment apply(ClusterLoadAssignment assignment, List<WorkloadEndpoint> endpoints,
      Map<String, String> clientLabels, String clientLocality, List<String> failoverPriority) {
    Map<String, String> client = withTopology(clientLabels, clientLocality);
    if (client.isEmpty() || failoverPriority.isEmpty()) {
      return assignment;
    }
    Map<String, List<WorkloadEndpoint>> byLocality = new LinkedHashMap<>();
    endpoints.forEach(e -> byLocality.computeIfAbsent(e.locality(), l -> new ArrayList<>()).add(e));
    List<List<WorkloadEndpoint>> groups = new ArrayList<>(byLocality.values());
    if (groups.size() != assignment.getEndpointsCount()) {
      return assignment;
    }
    List<LocalityLbEndpoints> split = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      LocalityLbEndpoints group = assignment.getEndpoints(g);
      Map<Integer, List<LbEndpoint>> byPriority = new TreeMap<>();
      for (int i = 0; i < group.getLbEndpointsCount(); i++) {
        int priority = priority(client, withTopology(groups.get(g).get(i).labels(), groups.get(g).get(i).locality()),
            failoverPriority);
        byPriority.computeIfAbsent(priority, p -> new ArrayList<>()).add(group.getLbEndpoints(i));
      }
      byPriority.forEach((priority, lbEndpoints) -> split.add(group.toBuilder()
          .clearLbEndpoints().addAllLbEndpoints(lbEndpoints).setPriority(priority)
          .setLoadBalancingWeight(UInt32Value.of(lbEndpoints.stream()
              .mapToInt(e -> e.getLoadBalancingWeight().getValue()).sum()))
          .build()));
    }
    List<Integer> used = new ArrayList<>(new TreeSet<>(split.stream().map(LocalityLbEndpoints::getPriority).toList()));
    ClusterLoadAssignment.Builder out = assignment.toBuilder().clearEndpoints();
    split.forEach(group -> out.addEndpoints(group.toBuilder().setPriority(used.indexOf(group.getPriority()))));
    return out.build();
  }

  private static int priority(Map<String, String> client, Map<String, String> endpoint, List<String> labels) {
    for (int j = 0; j < labels.size(); j++) {
      String entry = labels.get(j);
      int equals = entry.indexOf('=');
      String label = equals < 0 ? entry : entry.substring(0, equals);
      String wanted = equals < 0 ? client.getOrDefault(label, "") : entry.substring(equals + 1);
      if (!wanted.equals(endpoint.getOrDefault(label, ""))) {
        return labels.size() - j;
      }
    }
    return 0;
  }

  /** {@code labels} plus the topology labels of {@code locality} ({@code region/zone/subzone}). */
  static Map<String, String> withTopology(Map<String, String> labels, String locality) {
    Map<String, String> all = new LinkedHashMap<>(labels);
    if (!locality.isEmpty()) {
      String[] parts = locality.split("/", -1);
      for (int i = 0; i < parts.length && i < TOPOLOGY_LABELS.size(); i++) {
        if (!parts[i].isEmpty()) {
          all.putIfAbsent(TOPOLOGY_LABELS.get(i), parts[i]);
        }
      }
    }
    return all;
  }
}
