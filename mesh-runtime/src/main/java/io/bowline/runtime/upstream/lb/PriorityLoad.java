package io.bowline.runtime.upstream.lb;

/**
 * Envoy's priority-load arithmetic (priority.rst, panic_threshold.rst). For priority P with T
 * hosts, H healthy and D degraded: {@code health(P) = min(100, factor% × H / T)} and likewise
 * {@code degraded(P)} over D; the normalized total availability is
 * {@code NTA = min(100, Σ health + Σ degraded)}. Healthy load is handed out first, in priority
 * order, {@code min(remaining, health(P) × 100 / NTA)}, then degraded load the same way; rounding
 * leftovers go to the first priority with availability. A priority is in panic when NTA &lt; 100 and
 * {@code 100 × (H + D) / T} is below the panic threshold; then it balances over all its hosts.
 * When nothing is available anywhere and panic is enabled, load is spread over all hosts of all
 * priorities in proportion to their counts (total panic).
 */
final class PriorityLoad {
  /** Percent of traffic per priority sent to healthy hosts. */
  final int[] healthy;
  /** Percent of traffic per priority sent to degraded hosts. */
  final int[] degraded;
  /** Per priority: balance over all hosts. */
  final boolean[] panic;
  /** Nothing available and panic disabled: answer 503 UH. */
  final boolean none;

  PriorityLoad(int[] total, int[] healthyCount, int[] degradedCount, int overprovisioningFactor, double panicThreshold) {
    int n = total.length;
    healthy = new int[n];
    degraded = new int[n];
    panic = new boolean[n];
    int[] health = new int[n];
    int[] degradedHealth = new int[n];
    int nta = 0;
    int allHosts = 0;
    for (int p = 0; p < n; p++) {
      allHosts += total[p];
      if (total[p] == 0) {
        continue;
      }
      health[p] = (int) Math.min(100L, (long) overprovisioningFactor * healthyCount[p] / total[p]);
      degradedHealth[p] = (int) Math.min(100L, (long) overprovisioningFactor * degradedCount[p] / total[p]);
      nta += health[p] + degradedHealth[p];
    }
    nta = Math.min(100, nta);
    if (nta == 0) {
      if (panicThreshold > 0 && allHosts > 0) {
        // Total panic: traffic proportional to each priority's host count, over all its hosts.
        int left = 100;
        for (int p = 0; p < n; p++) {
          healthy[p] = 100 * total[p] / allHosts;
          left -= healthy[p];
          panic[p] = true;
        }
        for (int p = 0; p < n && left > 0; p++) {
          if (total[p] > 0) {
            healthy[p] += left;
            left = 0;
          }
        }
        none = false;
      } else {
        none = true;
      }
      return;
    }
    none = false;
    int left = 100;
    for (int p = 0; p < n; p++) {
      healthy[p] = Math.min(left, health[p] * 100 / nta);
      left -= healthy[p];
    }
    for (int p = 0; p < n; p++) {
      degraded[p] = Math.min(left, degradedHealth[p] * 100 / nta);
      left -= degraded[p];
    }
    for (int p = 0; p < n && left > 0; p++) {
      if (health[p] > 0) {
        healthy[p] += left;
        left = 0;
      } else if (degradedHealth[p] > 0) {
        degraded[p] += left;
        left = 0;
      }
    }
    for (int p = 0; p < n; p++) {
      panic[p] = nta < 100 && total[p] > 0
          && 100.0 * (healthyCount[p] + degradedCount[p]) / total[p] < panicThreshold;
    }
  }
}
