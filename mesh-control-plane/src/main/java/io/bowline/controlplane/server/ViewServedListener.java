package io.bowline.controlplane.server;

import io.bowline.controlplane.translate.ClientView;

/**
 * Told each time a client view is served a new snapshot: after every publish, once per connected view, and
 * when a view's first node connects. Called on the thread that serves, which is the publishing thread or
 * the connecting node's stream thread, after the snapshot was handed to the cache (its clients may already
 * have it); the remaining views of a publish wait until it returns.
 */
@FunctionalInterface
public interface ViewServedListener {

  /**
   * @param view the client view (namespace, labels, locality)
   * @param publish the version of the publish the view is served now (see
   *     {@link XdsSnapshotServer#servedPublish})
   */
  void onViewServed(ClientView view, String publish);
}
