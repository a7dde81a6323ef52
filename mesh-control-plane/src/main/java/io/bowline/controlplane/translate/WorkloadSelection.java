package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.WorkloadEndpoint;
import io.bowline.controlplane.istio.WorkloadEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The WorkloadEntries of a configuration indexed by namespace and by each {@code label=value}, so that a
 * ServiceEntry's {@code workloadSelector} (all labels present, same namespace) is answered from the smallest
 * candidate list instead of a scan of every entry: with thousands of services and workloads, selection stays
 * linear in the number of workloads rather than services × workloads.
 */
final class WorkloadSelection {

  private final Set<String> indexedKeys;
  private final Map<String, List<WorkloadEntry>> byNamespace = new HashMap<>();
  private final Map<String, Map<Map.Entry<String, String>, List<WorkloadEntry>>> byLabel = new HashMap<>();

  /**
   * @param entries the WorkloadEntries, in order
   * @param selectorKeys the label keys selectors use (only these are indexed; other keys cost nothing)
   */
  WorkloadSelection(List<WorkloadEntry> entries, Set<String> selectorKeys) {
    this.indexedKeys = Set.copyOf(selectorKeys);
    for (WorkloadEntry entry : entries) {
      String namespace = entry.ref().namespace();
      byNamespace.computeIfAbsent(namespace, ns -> new ArrayList<>()).add(entry);
      Map<Map.Entry<String, String>, List<WorkloadEntry>> labels =
          byLabel.computeIfAbsent(namespace, ns -> new HashMap<>());
      for (String key : selectorKeys) {
        String value = entry.endpoint().labels().get(key);
        if (value != null) {
          labels.computeIfAbsent(Map.entry(key, value), l -> new ArrayList<>()).add(entry);
        }
      }
    }
  }

  /** The endpoints of the entries in {@code namespace} carrying every label of {@code selector}, in order. */
  List<WorkloadEndpoint> select(String namespace, Map<String, String> selector) {
    List<WorkloadEntry> candidates = byNamespace.getOrDefault(namespace, List.of());
    Map<Map.Entry<String, String>, List<WorkloadEntry>> labels = byLabel.getOrDefault(namespace, Map.of());
    for (Map.Entry<String, String> label : selector.entrySet()) {
      if (!indexedKeys.contains(label.getKey())) {
        continue;
      }
      List<WorkloadEntry> withLabel = labels.getOrDefault(Map.entry(label.getKey(), label.getValue()), List.of());
      if (withLabel.size() < candidates.size()) {
        candidates = withLabel;
      }
    }
    List<WorkloadEndpoint> selected = new ArrayList<>();
    for (WorkloadEntry candidate : candidates) {
      if (candidate.endpoint().hasLabels(selector)) {
        selected.add(candidate.endpoint());
      }
    }
    return selected;
  }
}
