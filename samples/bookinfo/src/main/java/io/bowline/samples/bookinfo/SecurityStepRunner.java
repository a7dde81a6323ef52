package io.bowline.samples.bookinfo;

import io.bowline.api.config.UpstreamTls;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.tls.UpstreamTlsHandle;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Runs {@link SecurityStep}s against a running Bookinfo with a mesh caller: rolls the step's files out, waits until
 * every workload and the caller have ACKed them, resets what the inbound ports saw, requests productpage
 * {@value #REQUESTS} times from the caller and compares the caller's statuses and each service's with the step's.
 */
final class SecurityStepRunner {
  static final int REQUESTS = 10;
  /** The certificate sources of istiod's ISTIO_MUTUAL context: provider instance {@code default}, and its roots. */
  private static final UpstreamTls ISTIO_MUTUAL = new UpstreamTls(UpstreamTls.Source.provider("default", "default"),
      UpstreamTls.Source.provider("default", "ROOTCA"), List.of(), "", List.of());

  private final BookinfoStage stage;
  private final PrintStream progress;

  SecurityStepRunner(BookinfoStage stage, PrintStream progress) {
    this.stage = stage;
    this.progress = progress;
  }

  SecurityResult run(SecurityStep step) throws StepFailedException, IOException, InterruptedException {
    String version = stage.rollOut(step.name(), step.files(), BookinfoDemo.CONVERGENCE_TIMEOUT);
    progress.printf("step %s: config version %s ACKed by all %d workloads and the caller%n", step.name(), version,
        stage.app().workloads().size());
    for (MeshMember member : stage.members()) {
      awaitWorkloadCertificate(step.name(), member);
    }
    stage.app().workloads().forEach(w -> w.inbound().reset());
    Map<Integer, Integer> caller = new TreeMap<>();
    for (int i = 0; i < REQUESTS; i++) {
      caller.merge(stage.caller().getProductPage(), 1, Integer::sum);
    }
    List<String> lines = new ArrayList<>();
    List<String> mismatches = new ArrayList<>();
    lines.add("caller sleep-v1 (" + MeshCaller.SPIFFE_ID + ") GET " + MeshCaller.PRODUCTPAGE_URL + ": " + counts(caller));
    if (!caller.keySet().equals(Set.of(step.callerStatus()))) {
      mismatches.add("the caller got " + caller.keySet() + ", expected only " + step.callerStatus());
    }
    for (String app : List.of("productpage", "details", "reviews", "ratings")) {
      SortedSet<Integer> statuses = new TreeSet<>();
      for (BookinfoWorkload w : stage.app().workloads()) {
        if (!w.app().equals(app)) {
          continue;
        }
        InboundTally tally = w.inbound();
        statuses.addAll(tally.statuses());
        tally.byStatusAndPeer().forEach((statusAndPeer, n) -> {
          int space = statusAndPeer.indexOf(' ');
          lines.add(w.name() + " answered " + n + " x " + statusAndPeer.substring(0, space) + " to peer "
              + statusAndPeer.substring(space + 1));
        });
      }
      if (statuses.isEmpty()) {
        lines.add(app + ": not called");
      }
      if (!statuses.equals(new TreeSet<>(step.statuses().get(app)))) {
        mismatches.add(app + " answered " + statuses + ", expected " + new TreeSet<>(step.statuses().get(app)));
      }
    }
    if (step.plaintextRefused()) {
      BookinfoWorkload productpage = stage.app().workloads().get(0);
      String answer = plaintextGet(productpage.port());
      lines.add("plaintext GET /productpage from outside the mesh to productpage-v1's port: "
          + (answer.isEmpty() ? "refused (connection closed, nothing answered)" : answer.lines().findFirst().orElse("")));
      if (!answer.isEmpty()) {
        mismatches.add("plaintext to the STRICT port was answered: " + answer.lines().findFirst().orElse(""));
      }
    }
    mismatches.forEach(m -> lines.add("MISMATCH " + m));
    return new SecurityResult(step.name(), mismatches.isEmpty(), lines);
  }

  /**
   * Waits until {@code member}'s workload certificate (ISTIO_MUTUAL's provider instance {@code default}, from the
   * local CA by CSR) and roots are there, so the step measures policy, not the first certificate's issuance.
   */
  private static void awaitWorkloadCertificate(String step, MeshMember member)
      throws StepFailedException, InterruptedException {
    UpstreamTlsHandle identity = RuntimeMeshClient.of(member.mesh()).serverListeners().tlsHandle(ISTIO_MUTUAL);
    if (!identity.awaitReady(BookinfoDemo.CONVERGENCE_TIMEOUT)) {
      throw new StepFailedException("step " + step + ": " + member.name() + " has no workload certificate after "
          + BookinfoDemo.CONVERGENCE_TIMEOUT.toSeconds() + " s: " + identity.notReadyReason());
    }
  }

  private static String counts(Map<Integer, Integer> byStatus) {
    List<String> parts = new ArrayList<>();
    byStatus.forEach((status, n) -> parts.add(n + " x " + (status < 0 ? "no response" : status)));
    return String.join(", ", parts);
  }

  /** One plaintext {@code GET /productpage}: the response, or {@code ""} when the port closed without one. */
  private static String plaintextGet(int port) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET /productpage HTTP/1.1\r\nHost: productpage\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.net.SocketException closed) {
      return "";
    }
  }
}
