package io.bowline.samples.bookinfo;

import io.bowline.controlplane.Diagnostic;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs steps against a running Bookinfo: swaps the step's files into the control plane's config
 * directory (a live push, no restart), waits until every workload has the new config, reports the
 * control plane's warnings, then sends the page requests as each caller and records what they saw.
 */
final class StepRunner {
  private final BookinfoStage stage;
  private final int requests;
  private final Duration convergenceTimeout;
  private final PrintStream progress;

  /**
   * @param requests page requests per caller per step
   * @param convergenceTimeout how long a step's config may take to reach every workload
   * @param progress where to report each step's config version, timing and warnings
   */
  StepRunner(BookinfoStage stage, int requests, Duration convergenceTimeout, PrintStream progress) {
    this.stage = stage;
    this.requests = requests;
    this.convergenceTimeout = convergenceTimeout;
    this.progress = progress;
  }

  /**
   * Applies {@code step} and measures it: one result per caller, in {@link Caller} order.
   *
   * @throws StepFailedException if the step's config did not reach every workload
   * @throws IOException if the config directory cannot be written
   * @throws InterruptedException if interrupted while waiting
   */
  List<StepResult> run(Step step) throws StepFailedException, IOException, InterruptedException {

    long started = System.nanoTime();
    String version = stage.rollOut(step.name(), step.files(), convergenceTimeout);
    progress.printf("step %s: config version %s (%s) ACKed by all %d mesh clients in %d ms%n",
        step.name(), version, String.join(", ", stage.servedFiles(step.files())), stage.members().size(),
        Duration.ofNanos(System.nanoTime() - started).toMillis());
    stage.controlPlane().diagnostics().stream()
        .filter(d -> d.severity() == Diagnostic.Severity.WARNING)
        .forEach(d -> progress.println("  " + d));

    List<StepResult> results = new ArrayList<>();
    for (Caller caller : Caller.values()) {
      TrafficProbe.Observed observed = stage.probe().run(caller, requests);
      results.add(new StepResult(step.name(), caller, requests, observed.versions(), observed.errors(),
          observed.firstError(), step.expectations().get(caller), version));
    }
    return results;
  }
}
