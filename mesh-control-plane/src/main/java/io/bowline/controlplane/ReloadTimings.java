package io.bowline.controlplane;

/**
 * When the phases of one publish of a {@link LocalControlPlane} ended, as {@link System#nanoTime()} values
 * (comparable only within this JVM), for measuring where the time from a file change to the clients goes.
 *
 * @param changeSeenNanos when the directory watch delivered the first file event of the change; 0 when the
 *     publish was not caused by the watch (an explicit {@link LocalControlPlane#reload()} or a
 *     {@link WorkloadRegistry} change)
 * @param startNanos when the reload started (after the debounce period, for a watched change)
 * @param loadedNanos when the changed files were parsed and the configuration assembled (= start for a
 *     registry change)
 * @param translatedNanos when the configuration was validated and translated for every connected client view
 * @param servedNanos when every connected client view had its new snapshot set (java-control-plane
 *     answers open watches synchronously, so the responses were handed to the streams by then)
 */
public record ReloadTimings(
    long changeSeenNanos, long startNanos, long loadedNanos, long translatedNanos, long servedNanos) {

  /** Before any publish. */
  static final ReloadTimings NONE = new ReloadTimings(0, 0, 0, 0, 0);
}
