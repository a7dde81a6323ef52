package io.bowline.samples.bookinfo;

import java.util.List;
import java.util.Map;

/**
 * One step of Istio's fault-injection task.
 *
 * @param name e.g. {@code 5 ratings delay for jason}
 * @param files the routing files the config directory holds during this step
 * @param expectations what each caller should see
 */
public record FaultStep(String name, List<ConfigFile> files, Map<Caller, FaultStep.Expected> expectations) {

  public FaultStep {
    files = List.copyOf(files);
    expectations = Map.copyOf(expectations);
  }

  /**
   * What a caller's pages should show.
   *
   * @param requests pages to request
   * @param version the reviews version that should serve them
   * @param error text every page's first failure must contain, or {@code null} for no failure
   * @param minSeconds least seconds a page should take (the injected delay cut by productpage's
   *     timeouts), 0 for no lower bound
   * @param maxSeconds most seconds a page may take
   */
  public record Expected(int requests, String version, String error, double minSeconds, double maxSeconds) {}
}
