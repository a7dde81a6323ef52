package io.bowline.samples.bookinfo;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One step of {@link SecurityPlan}: the config files, and what should happen.
 *
 * @param name the step's name, for messages
 * @param files the step's config files, besides the workload registration
 * @param callerStatus the status the mesh caller gets from {@code GET http://productpage:9080/productpage}
 * @param statuses per service ({@code app}), the set of statuses its inbound port answers (empty: not called)
 * @param plaintextRefused whether to check that a plaintext connection to productpage's port is refused
 */
record SecurityStep(String name, List<ConfigFile> files, int callerStatus, Map<String, Set<Integer>> statuses,
    boolean plaintextRefused) {

  SecurityStep {
    files = List.copyOf(files);
    statuses = Map.copyOf(statuses);
  }
}
