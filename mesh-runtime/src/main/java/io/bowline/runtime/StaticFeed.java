package io.bowline.runtime;

import io.bowline.api.ClientStatus;
import io.bowline.runtime.staticconfig.EnvoyConfigLoader;
import io.bowline.runtime.xds.StaticResourcesDecoder;
import io.bowline.runtime.xds.XdsResources;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.StaticResources;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Configuration from an Envoy file's {@code static_resources}, validated as xDS resources are;
 * loaded once at build time.
 */
final class StaticFeed implements ConfigFeed {
  private final Path file;
  private final StaticResourcesDecoder.Result result;

  /** @throws IllegalArgumentException naming the file if it cannot be loaded */
  StaticFeed(Path file) {
    this.file = file;
    StaticResources sr = EnvoyConfigLoader.load(file);
    try {
      this.result = StaticResourcesDecoder.decode(sr.getListenersList(), sr.getClustersList(), "static");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Runnable watch(Consumer<XdsResources> watcher) {
    watcher.accept(result.resources());
    return () -> { };
  }

  @Override
  public ClientStatus status() {
    return result.status();
  }

  @Override
  public String describe() {
    return file.toString();
  }

  @Override
  public void close() {}
}
