package io.bowline.samples.bookinfo;

import io.bowline.api.ClientStatus;
import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.Published;
import io.bowline.controlplane.translate.ClientView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Waits until a config change has reached every workload: the control plane has published exactly
 * the expected files, has served that publish to every workload's view (namespace and labels), and
 * every workload's mesh client has ACKed, for listeners, route configurations, clusters and
 * endpoints, the version the control plane serves to its view (each type keeps the version of the
 * reload in which it last changed), so every client holds the whole current config.
 *
 * <p>The served-publish check matters: a publish serves the views one after the other, and until a
 * view is served the new publish, its client has ACKed exactly the (old) type versions the view is
 * still served. Without that check, a client of a view served early signals its update, and the
 * check passes while a view served later (productpage's, say) still routes by the previous config.
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
      List<? extends MeshMember> workloads, Duration timeout) throws StepFailedException, InterruptedException {
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
        lagging.addAll(laggingClients(cp, published.version(), workloads));
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

  /**
   * Workloads whose view the control plane has not served publish {@code version} yet, and clients
   * that have not ACKed, for every type, the version the control plane serves to their view.
   */
  private static List<String> laggingClients(
      LocalControlPlane cp, String version, List<? extends MeshMember> workloads) {
    List<String> lagging = new ArrayList<>();
    for (MeshMember workload : workloads) {
      ClientView view = workload.view();
      // read before the type versions: those of a later publish can only make the client lag
      String servedPublish = cp.servedPublish(view);
      if (!servedPublish.equals(version)) {
        lagging.add(workload.name() + "'s view is served publish \"" + servedPublish + "\", control plane published \""
            + version + "\"");
        continue;
      }
      ClientStatus status = workload.mesh().status();
      for (String typeUrl : TYPE_URLS) {
        String acked = status.versionOf(typeUrl);
        String served = cp.servedVersion(view, typeUrl);
        if (served.isEmpty() || !acked.equals(served)) {
          lagging.add(workload.name() + " has ACKed " + shortType(typeUrl) + " version \"" + acked
              + "\", control plane serves \"" + served + "\"" + (status.connected() ? "" : " (ADS stream down)"));
        }
      }
    }
    return lagging;
  }

  private static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }
}
