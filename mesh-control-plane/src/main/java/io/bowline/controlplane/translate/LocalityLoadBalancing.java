package io.bowline.controlplane.translate;

import com.google.protobuf.UInt32Value;
import io.bowline.controlplane.istio.LocalityLbSetting;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Istio {@code localityLbSetting} → a client's view of a {@code ClusterLoadAssignment} (istiod's
 * {@code applyLocalityLoadBalancer}), computed relative to the client's locality. Nothing changes when the
 * client's locality is unknown or the setting is disabled.
 * <ul>
 *   <li>{@code distribute}: the first entry whose {@code from} matches the client sets each locality's
 *       {@code load_balancing_weight}: a {@code to} pattern's percentage is split among the localities it
 *       matches in proportion to their weights (rounded up); localities no {@code to} matches lose their
 *       endpoints.</li>
 *   <li>Otherwise, only when the cluster has outlier detection and the setting has no {@code distribute}
 *       rule at all (istiod applies one or the other): {@code priority} by proximity: 0 same
 *       region/zone/subzone, 1 same region and zone, 2 same region, 3 other region, 4 other region when a
 *       {@code failover} entry from the client's region names a different {@code to}; then renumbered
 *       0..N without gaps.</li>
 * </ul>
 */
final class LocalityLoadBalancing {

  private LocalityLoadBalancing() {}

  static ClusterLoadAssignment apply(ClusterLoadAssignment assignment, String clientLocality,
      Optional<LocalityLbSetting> setting, boolean outlierDetection) {
    if (clientLocality.isEmpty() || !setting.map(LocalityLbSetting::enabled).orElse(true)) {
      return assignment;
    }
    Optional<LocalityLbSetting.Distribute> distribute = setting.stream()
        .flatMap(s -> s.distribute().stream())
        .filter(d -> matches(d.from(), clientLocality))
        .findFirst();
    if (distribute.isPresent()) {
      return distribute(assignment, distribute.get());
    }
    if (!outlierDetection || setting.map(s -> !s.distribute().isEmpty()).orElse(false)) {
      // istiod applies distribute or failover, never both: rules that do not match this client leave it as is
      return assignment;
    }
    return failover(assignment, clientLocality, setting.map(LocalityLbSetting::failover).orElse(List.of()));
  }

  private static ClusterLoadAssignment distribute(ClusterLoadAssignment assignment, LocalityLbSetting.Distribute rule) {
    ClusterLoadAssignment.Builder b = assignment.toBuilder();
    boolean[] matched = new boolean[b.getEndpointsCount()];
    for (var to : rule.to().entrySet()) {
      List<Integer> indexes = new ArrayList<>();
      long total = 0;
      for (int i = 0; i < b.getEndpointsCount(); i++) {
        if (!matched[i] && matches(to.getKey(), text(b.getEndpoints(i).getLocality()))) {
          matched[i] = true;
          indexes.add(i);
          total += weight(b.getEndpoints(i));
        }
      }
      for (int i : indexes) {
        long weight = (long) Math.ceil((double) weight(b.getEndpoints(i)) * to.getValue() / total);
        if (weight > 0) {
          b.getEndpointsBuilder(i).setLoadBalancingWeight(UInt32Value.of((int) weight));
        }
      }
    }
    for (int i = 0; i < matched.length; i++) {
      if (!matched[i]) {
        b.getEndpointsBuilder(i).clearLbEndpoints();
      }
    }
    return b.build();
  }

  /**
   * Proximity priorities (0-4, see above) combined with the priorities the assignment already has (istiod:
   * {@code existing × 5 + proximity}, so {@code failoverPriority} levels stay apart), renumbered without gaps.
   */
  static ClusterLoadAssignment failover(
      ClusterLoadAssignment assignment, String clientLocality, List<LocalityLbSetting.Failover> failover) {
    String[] client = clientLocality.split("/", -1);
    ClusterLoadAssignment.Builder b = assignment.toBuilder();
    int[] priorities = new int[b.getEndpointsCount()];
    TreeSet<Integer> used = new TreeSet<>();
    for (int i = 0; i < priorities.length; i++) {
      Locality locality = b.getEndpoints(i).getLocality();
      int priority = proximity(client, locality);
      if (priority == 3) {
        for (LocalityLbSetting.Failover rule : failover) {
          if (rule.from().equals(client[0])) {
            if (!locality.getRegion().equals(rule.to())) {
              priority = 4;
            }
            break;
          }
        }
      }
      priorities[i] = b.getEndpoints(i).getPriority() * 5 + priority;
      used.add(priorities[i]);
    }
    List<Integer> order = new ArrayList<>(used);
    for (int i = 0; i < priorities.length; i++) {
      b.getEndpointsBuilder(i).setPriority(order.indexOf(priorities[i]));
    }
    return b.build();
  }

  private static int proximity(String[] client, Locality locality) {
    if (!segment(client, 0).equals(locality.getRegion())) {
      return 3;
    }
    if (!segment(client, 1).equals(locality.getZone())) {
      return 2;
    }
    return segment(client, 2).equals(locality.getSubZone()) ? 0 : 1;
  }

  private static String segment(String[] parts, int i) {
    return i < parts.length ? parts[i] : "";
  }

  private static long weight(LocalityLbEndpoints endpoints) {
    return endpoints.hasLoadBalancingWeight() ? endpoints.getLoadBalancingWeight().getValue() : 1;
  }

  private static String text(Locality locality) {
    return locality.getRegion() + "/" + locality.getZone() + "/" + locality.getSubZone();
  }

  /** Istio's locality pattern match: segment by segment, {@code *} matches the rest, a shorter pattern a prefix. */
  static boolean matches(String pattern, String locality) {
    String[] want = pattern.split("/", -1);
    String[] have = locality.split("/", -1);
    for (int i = 0; i < want.length; i++) {
      if (want[i].equals("*")) {
        return true;
      }
      if (!want[i].equals(segment(have, i))) {
        return false;
      }
    }
    return true;
  }
}
