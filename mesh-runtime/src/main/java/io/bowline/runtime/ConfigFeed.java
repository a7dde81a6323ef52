package io.bowline.runtime;

import io.bowline.api.ClientStatus;
import io.bowline.runtime.xds.ResourceDump;
import io.bowline.runtime.xds.XdsResources;
import java.util.List;
import java.util.function.Consumer;

/** Where a mesh client's configuration comes from: an xDS server, or a static file. */
interface ConfigFeed extends AutoCloseable {
  /** Adds a watcher of accepted resources (called at once if some arrived); returns its removal. */
  Runnable watch(Consumer<XdsResources> watcher);

  ClientStatus status();

  /** Every resource with what was sent for it, for config dumps. */
  List<ResourceDump> dump();

  /**
   * Asks for a server listener by name (gRFC A36), on top of whatever the feed delivers anyway. A static file
   * holds every listener it has: nothing to ask.
   */
  default void requestListener(String name) {}

  /** For messages: the server or file. */
  String describe();

  @Override
  void close();
}
