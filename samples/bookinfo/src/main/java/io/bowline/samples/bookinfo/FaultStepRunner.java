package io.bowline.samples.bookinfo;

import io.bowline.controlplane.LocalControlPlane;
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
  private final LocalControlPlane controlPlane;
  private final ConfigDirectory configDirectory;
  private final BookinfoApp app;
  private final ConfigFile registration;
  private final TrafficProbe probe;
  private final PrintStream progress;

  FaultStepRunner(LocalControlPlane controlPlane, ConfigDirectory configDirectory, BookinfoApp app,
      ConfigFile registration, TrafficProbe probe, PrintStream progress) {
    this.controlPlane = controlPlane;
    this.configDirectory = configDirectory;
    this.app = app;
    this.registration = registration;
    this.probe = probe;
    this.progress = progress;
  }

  /** Applies {@code step} and measures it: one result per caller, in {@link Caller} order. */
  List<FaultResult> run(FaultStep step) throws StepFailedException, IOException, InterruptedException {
    List<ConfigFile> files = new ArrayList<>();
    files.add(registration);
    files.addAll(step.files());
    List<String> expected = files.stream().map(ConfigFile::name).sorted().toList();
    configDirectory.apply(files);
    String version = ConfigSync.await(step.name(), controlPlane, expected, app.workloads(), BookinfoDemo.CONVERGENCE_TIMEOUT);
    progress.printf("step %s: config version %s ACKed by all %d workloads%n", step.name(), version, app.workloads().size());
    List<FaultResult> results = new ArrayList<>();
    for (Caller caller : Caller.values()) {
      FaultStep.Expected e = step.expectations().get(caller);
      long start = System.nanoTime();
      TrafficProbe.Observed observed = probe.run(caller, e.requests());
      double seconds = Duration.ofNanos(System.nanoTime() - start).toMillis() / 1000.0 / e.requests();
      results.add(new FaultResult(step.name(), caller, observed, seconds, e));
    }
    return results;
  }
}
