package io.bowline.samples.bookinfo;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs fault-injection steps against a running Bookinfo: swaps the step's files into the config
 * directory, waits until every workload has ACKed them, then requests pages as each caller and
 * times them.
 */
final class FaultStepRunner {
  private final BookinfoStage stage;
  private final PrintStream progress;

  FaultStepRunner(BookinfoStage stage, PrintStream progress) {
    this.stage = stage;
    this.progress = progress;
  }

  /** Applies {@code step} and measures it: one result per caller, in {@link Caller} order. */
  List<FaultResult> run(FaultStep step) throws StepFailedException, IOException, InterruptedException {
    String version = stage.rollOut(step.name(), step.files(), BookinfoDemo.CONVERGENCE_TIMEOUT);
    progress.printf("step %s: config version %s ACKed by all %d workloads%n", step.name(), version,
        stage.app().workloads().size());
    List<FaultResult> results = new ArrayList<>();
    for (Caller caller : Caller.values()) {
      FaultStep.Expected e = step.expectations().get(caller);
      long start = System.nanoTime();
      TrafficProbe.Observed observed = stage.probe().run(caller, e.requests());
      double seconds = Duration.ofNanos(System.nanoTime() - start).toMillis() / 1000.0 / e.requests();
      results.add(new FaultResult(step.name(), caller, observed, seconds, e));
    }
    return results;
  }
}
