package io.bowline.controlplane;

import java.util.List;

/** Told about every reload attempt of a {@link LocalControlPlane}, on the thread that ran it. */
@FunctionalInterface
public interface ReloadListener {

  /**
   * @param publishedNew whether a new snapshot was published (false: errors, the previous one still serves)
   * @param served what is served after the attempt
   * @param diagnostics the diagnostics of the attempt
   */
  void onReload(boolean publishedNew, Published served, List<Diagnostic> diagnostics);
}
