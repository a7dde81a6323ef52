package io.bowline.samples.bookinfo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The demo's gateway step, Bookinfo from the front door: the ingress gateway ({@link IngressGateway}) serves
 * Istio's unchanged {@code bookinfo-gateway.yaml}, curl requests {@code /productpage} (routed) and
 * {@code /reviews/0} (no route: 404 {@code NR}) through it, and the routing steps' shares are measured by the
 * demo's own client through it, from outside the mesh.
 */
final class FrontDoor {

  /** Istio's file in {@code istio/istio}'s {@code samples/bookinfo/networking}, flattened. */
  static final String ISTIO_GATEWAY = StepPlan.ISTIO_PREFIX + "bookinfo-gateway.yaml";

  /** Where the shared fixtures sit when the demo runs from the repository's root. */
  static final Path DEFAULT_ISTIO_DIR = Path.of("..", "shared", "fixtures", "istio");

  /** The paths curl requests through the gateway: one the Gateway's VirtualService routes, one it does not. */
  static final List<String> CURL_PATHS = List.of("/productpage", "/reviews/0");

  /**
   * What the gateway step saw.
   *
   * @param steps two results per step (jason, then anonymous), measured through the gateway
   * @param curl per {@link #CURL_PATHS} path, curl's one-line summary ({@code GET <url> -> <status> flags=<x-bowline-response-flags>})
   */
  record Result(List<StepResult> steps, List<String> curl) {}

  private FrontDoor() {}

  /** Istio's {@code bookinfo-gateway.yaml} in {@code istioDir}, or (without one) the shared fixtures, if present. */
  static Optional<Path> gatewayYaml(Path istioDir) {
    Path file = (istioDir == null ? DEFAULT_ISTIO_DIR : istioDir).resolve(ISTIO_GATEWAY);
    return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
  }

  /**
   * Starts Bookinfo with the ingress gateway serving {@code gatewayYaml}, runs {@code plan}'s steps measured through
   * it, curls it, and stops everything.
   *
   * @throws StepFailedException if a step's config did not reach every workload and the gateway, or the gateway did
   *     not bind its listener
   * @throws IOException if a server cannot start or a file cannot be read or written
   * @throws InterruptedException if interrupted while waiting
   */
  static Result run(StepPlan plan, Path gatewayYaml, int requests, Duration timeout, PrintStream progress)
      throws StepFailedException, IOException, InterruptedException {
    ConfigFile gateway = new ConfigFile("05-" + gatewayYaml.getFileName(), gatewayYaml.toString(),
        Files.readAllBytes(gatewayYaml));
    try (BookinfoStage stage = BookinfoStage.startWithGateway(gateway)) {
      StepRunner runner = new StepRunner(stage, requests, timeout, progress);
      List<StepResult> results = new ArrayList<>();
      for (Step step : plan.steps()) {
        results.addAll(runner.run(step));
      }
      progress.println("ingress gateway " + IngressGateway.NAME + "." + IngressGateway.NAMESPACE + ": listener port "
          + IngressGateway.LISTENER_PORT + " on 127.0.0.1:" + stage.gatewayPort());
      List<String> curl = new ArrayList<>();
      for (String path : CURL_PATHS) {
        curl.add(curl("http://127.0.0.1:" + stage.gatewayPort() + path));
      }
      return new Result(results, curl);
    }
  }

  /** curl's view of one GET: {@code GET <url> -> <status> flags=<x-bowline-response-flags>}, or why curl failed. */
  static String curl(String url) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder("curl", "-s", "-S", "--max-time", "10", "--noproxy", "*", "-o", "/dev/null",
          "-D", "-", "-w", "status=%{http_code}\n", url).redirectErrorStream(true).start();
    } catch (IOException e) {
      return "GET " + url + " -> curl not run: " + e.getMessage();
    }
    try {
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        return "GET " + url + " -> curl did not finish";
      }
      String status = "?";
      String flags = "-";
      for (String line : out.split("\r?\n")) {
        if (line.startsWith("status=")) {
          status = line.substring("status=".length());
        } else if (line.regionMatches(true, 0, "x-bowline-response-flags:", 0, 25)) {
          flags = line.substring(25).trim();
        }
      }
      return "GET " + url + " -> " + status + " flags=" + flags;
    } finally {
      p.destroy();
    }
  }
}
