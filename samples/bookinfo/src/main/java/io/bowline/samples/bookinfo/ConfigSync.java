package io.bowline.samples.bookinfo;

import io.bowline.api.ClientStatus;
import io.bowline.api.Workload;
import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.Published;
import io.bowline.controlplane.translate.ClientView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Waits until a config change has reached every workload: the control plane serves exactly the
 * expected files, and every workload's mesh client has ACKed, for listeners, route configurations,
 * clusters and endpoints, the version the control plane serves to its view (namespace and labels;
 * each type keeps the version of the reload in which it last changed), so every client holds the
 * whole current config.
 */
final class ConfigSync {

  /** The xDS types a Bookinfo client subscribes to: LDS, RDS, CDS, EDS. */
  static final List<String> TYPE_URLS = List.of(
      "type.googleapis.com/envoy.config.listener.v3.Listener",
      "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
      "type.googleapis.com/envoy.config.cluster.v3.Cluster",
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment");

  private ConfigSync() {}

  /**
   * Waits until the change has reached every workload, re-checking whenever {@code changes}
   * signals (a control-plane reload or a client's config update).
   *
   * @param changes signalled on every reload and every client config update
   * @param expectedFiles the file names the served config must consist of, sorted
   * @return the control plane's config version every workload ACKed
   * @throws StepFailedException if the control plane reports an ERROR diagnostic (listed in the
   *     message), or the deadline passes (the message says what lagged)
   * @throws InterruptedException if interrupted while waiting
   */
  static String await(
      String step, LocalControlPlane cp, ChangeSignal changes, List<String> expectedFiles,
      List<BookinfoWorkload> workloads, Duration timeout) throws StepFailedException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean lastCheck = false;
    while (true) {
      long seen = changes.generation();
      List<String> errors = errorDiagnostics(cp);
      if (!errors.isEmpty()) {
        throw new StepFailedException(
            "step " + step + ": the control plane rejected the config:\n  " + String.join("\n  ", errors));
      }
      Published published = cp.published();
      List<String> lagging = new ArrayList<>();
      if (!published.files().equals(expectedFiles)) {
        lagging.add("control plane serves " + published.files() + " (version " + published.version()
            + "), expected " + expectedFiles);
      } else {
        lagging.addAll(laggingClients(cp, workloads));
        if (lagging.isEmpty()) {
          return published.version();
        }
      }
      if (lastCheck) {
        throw new StepFailedException("step " + step + ": config not in effect after " + timeout.toSeconds()
            + " s:\n  " + String.join("\n  ", lagging));
      }
      lastCheck = !changes.awaitChangeSince(seen, deadline);
    }
  }

  private static List<String> errorDiagnostics(LocalControlPlane cp) {
    return cp.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::toString).toList();
  }

  /** Clients that have not ACKed, for every type, the version the control plane serves to their view. */
  private static List<String> laggingClients(LocalControlPlane cp, List<BookinfoWorkload> workloads) {
    List<String> lagging = new ArrayList<>();
    for (BookinfoWorkload workload : workloads) {
      ClientStatus status = workload.mesh().status();
      Workload identity = workload.mesh().workload();
      ClientView view = new ClientView(identity.namespace(), identity.labels());
      for (String typeUrl : TYPE_URLS) {
        String acked = status.versionOf(typeUrl);
        String version = cp.servedVersion(view, typeUrl);
        if (version.isEmpty() || !acked.equals(version)) {
          lagging.add(workload.name() + " has ACKed " + shortType(typeUrl) + " version \"" + acked
              + "\", control plane serves \"" + version + "\"" + (status.connected() ? "" : " (ADS stream down)"));
        }
      }
    }
    return lagging;
  }

  private static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }
}
