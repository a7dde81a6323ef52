package io.bowline.samples.bookinfo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Istio's Bookinfo in one JVM, routed by Bowline: starts the local control plane on an empty
 * config directory and the six Bookinfo workloads on loopback (each with its own mesh client),
 * registers them with a generated {@code ServiceEntry}/{@code WorkloadEntry} file, then walks
 * Istio's request-routing and traffic-shifting steps (all to v1; jason to reviews v2; reviews
 * 50/50 v1/v3; all to v3) as live config pushes, counts which reviews version served each page
 * for {@code jason} and for an anonymous user, and prints a table. Then Istio's fault-injection
 * task: a 7 s delay on ratings for jason (productpage's own 3 s timeout and one retry cut it
 * short: reviews unavailable after ~6 s) and an HTTP 500 abort (ratings unavailable). Last, Bookinfo from
 * the front door ({@link FrontDoor}): an ingress gateway (bowline-proxy in the gateway role) serving
 * Istio's unchanged {@code bookinfo-gateway.yaml} (from {@code --istio-dir}, else
 * {@code ../shared/fixtures/istio}; skipped with a message when absent), curl through it, and the all-v1
 * and 50/50 steps measured through it. Then issue 15's part 7: Istio's {@code destination-rule-all-mtls.yaml} with a
 * STRICT namespace-wide PeerAuthentication, and the authz-http task's AuthorizationPolicies one after another
 * ({@link SecurityPlan}); the services serve through the runtime's inbound API, and each step prints the statuses
 * each one answered and the peer SPIFFE IDs it saw (skipped with a message when Istio's files are absent).
 *
 * <p>Exit status 0 if every observed share lies in its expected band and every mTLS/authorization step answered as
 * expected, 1 otherwise (or if a step's config did not take effect), 2 for bad arguments.
 *
 * <p>Run: {@code java -jar samples/bookinfo/target/bookinfo-demo.jar [--istio-dir DIR] [--requests N]}.
 */
@Command(
    name = "bookinfo-demo",
    mixinStandardHelpOptions = true,
    description = "Runs Istio's Bookinfo routing tasks in one JVM, routed by Bowline's local control plane.")
public final class BookinfoDemo implements Callable<Integer> {

  /** How long one step's config may take to reach every workload. */
  public static final Duration CONVERGENCE_TIMEOUT = Duration.ofSeconds(20);

  @Spec private CommandSpec spec;

  @Option(
      names = "--istio-dir",
      paramLabel = "DIR",
      description = "Run the steps on Istio's own Bookinfo files (samples__bookinfo__networking__*.yaml), "
          + "unchanged, from DIR. Default: this project's own YAML.")
  private Path istioDir;

  @Option(
      names = "--requests",
      paramLabel = "N",
      defaultValue = "200",
      description = "Page requests per user per step (default: ${DEFAULT-VALUE}).")
  private int requests;

  /** Runs the demo and exits with its status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new BookinfoDemo()).execute(args));
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (requests < 1) {
      throw new ParameterException(spec.commandLine(), "--requests must be at least 1: " + requests);
    }
    StepPlan plan;
    FaultPlan faultPlan;
    try {
      plan = istioDir == null ? StepPlan.ownYaml() : StepPlan.istio(istioDir);
      faultPlan = istioDir == null ? FaultPlan.ownYaml() : FaultPlan.istio(istioDir);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    PrintStream out = System.out;
    out.println("Bookinfo routed by Bowline; routing files from " + plan.source() + "; "
        + requests + " requests per user per step");
    List<StepResult> results;
    List<FaultResult> faults;
    Optional<Path> gatewayYaml = FrontDoor.gatewayYaml(istioDir);
    Optional<SecurityPlan> securityPlan = SecurityPlan.istio(istioDir);
    List<SecurityResult> security = List.of();
    FrontDoor.Result frontDoor = null;
    try {
      results = runSteps(plan, requests, out);
      faults = runFaultSteps(faultPlan, out);
      if (gatewayYaml.isPresent()) {
        frontDoor = FrontDoor.run(plan.frontDoor(), gatewayYaml.get(), requests, CONVERGENCE_TIMEOUT, out);
      }
      if (securityPlan.isPresent()) {
        security = runSecuritySteps(securityPlan.get(), out);
      }
    } catch (StepFailedException e) {
      System.err.println("FAILED " + e.getMessage());
      return 1;
    }
    out.println();
    ResultTable.print(results, out);
    out.println();
    faults.forEach(f -> out.println(f.describe()));
    out.println();
    boolean ok = results.stream().allMatch(StepResult::ok) && faults.stream().allMatch(FaultResult::ok);
    if (frontDoor == null) {
      out.println("Front door skipped: Istio's " + FrontDoor.ISTIO_GATEWAY + " not found in "
          + (istioDir == null ? FrontDoor.DEFAULT_ISTIO_DIR : istioDir) + " (give --istio-dir)");
    } else {
      out.println("Through the ingress gateway (" + gatewayYaml.get() + "), from outside the mesh:");
      ResultTable.print(frontDoor.steps(), out);
      frontDoor.curl().forEach(line -> out.println("curl " + line));
      ok &= frontDoor.steps().stream().allMatch(StepResult::ok);
    }
    if (securityPlan.isEmpty()) {
      out.println("mTLS and authorization skipped: Istio's " + SecurityPlan.ISTIO_MTLS_RULES + " or the authz-http "
          + "task's policies not found in " + (istioDir == null ? FrontDoor.DEFAULT_ISTIO_DIR : istioDir)
          + " (give --istio-dir)");
    } else {
      out.println("mTLS STRICT and Istio's authz-http task (" + securityPlan.get().source() + "), what each side saw:");
      for (SecurityResult result : security) {
        out.println("step " + result.step() + (result.ok() ? "" : "  <-- NOT as expected"));
        result.lines().forEach(line -> out.println("  " + line));
      }
      ok &= security.stream().allMatch(SecurityResult::ok);
    }
    out.println(ok ? "All steps routed as expected." : "Some steps were NOT routed as expected.");
    return ok ? 0 : 1;
  }

  /**
   * Starts a local control plane and Bookinfo, runs {@code plan}'s steps in order, and stops both.
   *
   * @param requests page requests per caller per step
   * @param progress where each step's config version and timing are reported
   * @return two results per step (jason, then anonymous), in step order
   * @throws StepFailedException if a step's config did not reach every workload within
   *     {@link #CONVERGENCE_TIMEOUT}, or the control plane reported ERROR diagnostics
   * @throws IOException if a server cannot start or the config directory cannot be written
   * @throws InterruptedException if interrupted while waiting
   */
  public static List<StepResult> runSteps(StepPlan plan, int requests, PrintStream progress)
      throws StepFailedException, IOException, InterruptedException {
    try (BookinfoStage stage = BookinfoStage.start()) {
      printMeshPage(stage, progress);
      StepRunner runner = new StepRunner(stage, requests, CONVERGENCE_TIMEOUT, progress);
      List<StepResult> results = new ArrayList<>();
      for (Step step : plan.steps()) {
        results.addAll(runner.run(step));
      }
      return results;
    }
  }

  /**
   * Starts a local control plane and Bookinfo and runs the fault-injection steps (Istio's task:
   * a 7 s ratings delay for jason cut short by productpage's own timeout, then an HTTP 500 abort).
   *
   * @return two results per step (jason, then anonymous), in step order
   * @throws StepFailedException if a step's config did not reach every workload
   * @throws IOException if a server cannot start or the config directory cannot be written
   * @throws InterruptedException if interrupted while waiting
   */
  static List<FaultResult> runFaultSteps(FaultPlan plan, PrintStream progress)
      throws StepFailedException, IOException, InterruptedException {
    try (BookinfoStage stage = BookinfoStage.start()) {
      printMeshPage(stage, progress);
      FaultStepRunner runner = new FaultStepRunner(stage, progress);
      List<FaultResult> results = new ArrayList<>();
      for (FaultStep step : plan.steps()) {
        results.addAll(runner.run(step));
      }
      return results;
    }
  }

  /**
   * Starts a local control plane, Bookinfo and a mesh caller ({@code sleep}) and runs the mTLS and authorization
   * steps ({@link SecurityPlan}).
   *
   * @return one result per step, in step order
   * @throws StepFailedException if a step's config did not reach every workload and the caller
   * @throws IOException if a server cannot start or the config directory cannot be written
   * @throws InterruptedException if interrupted while waiting
   */
  static List<SecurityResult> runSecuritySteps(SecurityPlan plan, PrintStream progress)
      throws StepFailedException, IOException, InterruptedException {
    try (BookinfoStage stage = BookinfoStage.startWithCaller()) {
      SecurityStepRunner runner = new SecurityStepRunner(stage, progress);
      List<SecurityResult> results = new ArrayList<>();
      for (SecurityStep step : plan.steps()) {
        results.add(runner.run(step));
      }
      return results;
    }
  }

  private static void printMeshPage(BookinfoStage stage, PrintStream progress) {
    progress.println("Mesh page (productpage-v1's listeners, routes, clusters, endpoints; up while these steps run): "
        + stage.app().meshPage());
  }
}
