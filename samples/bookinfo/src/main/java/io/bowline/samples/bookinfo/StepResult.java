package io.bowline.samples.bookinfo;

import java.util.List;
import java.util.Map;

/**
 * What one caller saw in one step.
 *
 * @param step the step's name
 * @param caller who asked
 * @param requests how many pages were requested
 * @param versions how many pages carried reviews from each version ({@code v1}, {@code v2}, {@code v3})
 * @param errors pages with any failed part: a non-200 page, details or reviews missing, or (for
 *     v2 and v3) ratings missing
 * @param firstError the first such failure, or {@code null}
 * @param expected the shares the step's routing should produce
 * @param configVersion the control plane's config version every workload had ACKed
 */
public record StepResult(
    String step,
    Caller caller,
    int requests,
    Map<String, Integer> versions,
    int errors,
    String firstError,
    Expectation expected,
    String configVersion) {

  /** The reviews versions Bookinfo deploys. */
  public static final List<String> VERSIONS = List.of("v1", "v2", "v3");

  public StepResult {
    versions = Map.copyOf(versions);
  }

  /** The observed share of pages whose reviews came from {@code version}, percent 0–100. */
  public double share(String version) {
    return requests == 0 ? 0 : 100.0 * versions.getOrDefault(version, 0) / requests;
  }

  /** The observed share of failed pages, percent 0–100. */
  public double errorShare() {
    return requests == 0 ? 0 : 100.0 * errors / requests;
  }

  /** Whether no page failed and every version's share lies in its expected band. */
  public boolean ok() {
    return requests > 0
        && errors == 0
        && VERSIONS.stream().allMatch(v -> expected.band(v, requests).contains(share(v)));
  }
}
