package io.bowline.samples.bookinfo;

import java.util.List;
import java.util.Map;

/**
 * One step of Istio's request-routing and traffic-shifting tasks.
 *
 * @param name e.g. {@code 2 jason → reviews v2}
 * @param files the routing files the control plane's config directory holds during this step
 *     (besides the generated registration), e.g. {@code 10-...destination-rule-all.yaml}
 * @param expectations the reviews versions each caller should see
 */
public record Step(String name, List<ConfigFile> files, Map<Caller, Expectation> expectations) {

  public Step {
    files = List.copyOf(files);
    expectations = Map.copyOf(expectations);
  }
}
