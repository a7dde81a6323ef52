package io.bowline.runtime;

import io.bowline.api.ClientStatus;
import io.bowline.runtime.staticconfig.EnvoyConfigLoader;
import io.bowline.runtime.staticconfig.SocketListeners;
import io.bowline.runtime.xds.StaticResourcesDecoder;
import io.bowline.runtime.xds.ResourceDump;
import io.bowline.runtime.xds.XdsResources;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configuration from an Envoy file: its {@code static_resources}, plus the listeners and clusters
 * of the files its {@code dynamic_resources.lds_config} / {@code cds_config} name with
 * {@code path_config_source}, validated as xDS resources are. Those files are watched: a change
 * reloads them; a file that no longer loads is logged and the last good configuration stays.
 */
final class StaticFeed implements ConfigFeed {
  private static final Logger log = LoggerFactory.getLogger(StaticFeed.class);

  private final Path file;
  private final Set<String> certificateProviderInstances;
  private final Bootstrap bootstrap;
  private final Optional<Path> lds;
  private final Optional<Path> cds;
  private final List<Consumer<XdsResources>> watchers = new CopyOnWriteArrayList<>();
  private final WatchService watchService;
  private volatile StaticResourcesDecoder.Result result;

  /**
   * @param certificateProviderInstances the bootstrap's certificate provider instances TLS contexts may name
   * @throws IllegalArgumentException naming the file if it (or a file it names) cannot be loaded
   */
  StaticFeed(Path file, Set<String> certificateProviderInstances) {
    this.file = file;
    this.certificateProviderInstances = Set.copyOf(certificateProviderInstances);
    this.bootstrap = EnvoyConfigLoader.loadBootstrap(file);
    this.lds = bootstrap.getDynamicResources().hasLdsConfig()
        ? EnvoyConfigLoader.pathOf(bootstrap.getDynamicResources().getLdsConfig()) : Optional.empty();
    this.cds = bootstrap.getDynamicResources().hasCdsConfig()
        ? EnvoyConfigLoader.pathOf(bootstrap.getDynamicResources().getCdsConfig()) : Optional.empty();
    this.result = load();
    this.watchService = lds.isPresent() || cds.isPresent() ? startWatching() : null;
  }

  private StaticResourcesDecoder.Result load() {
    List<Listener> listeners = new ArrayList<>(bootstrap.getStaticResources().getListenersList());
    List<Cluster> clusters = new ArrayList<>(bootstrap.getStaticResources().getClustersList());
    lds.ifPresent(p -> listeners.addAll(EnvoyConfigLoader.load(p).getListenersList()));
    cds.ifPresent(p -> clusters.addAll(EnvoyConfigLoader.load(p).getClustersList()));
    try {
      return StaticResourcesDecoder.decode(SocketListeners.asOutbound(listeners), clusters, "static",
          certificateProviderInstances);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  private WatchService startWatching() {
    Set<Path> dirs = new LinkedHashSet<>();
    lds.ifPresent(p -> dirs.add(p.toAbsolutePath().getParent()));
    cds.ifPresent(p -> dirs.add(p.toAbsolutePath().getParent()));
    WatchService ws;
    try {
      ws = FileSystems.getDefault().newWatchService();
      for (Path dir : dirs) {
        dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot watch " + dirs + ": " + e, e);
    }
    Thread t = new Thread(() -> watchLoop(ws), "bowline-static-config-" + file.getFileName());
    t.setDaemon(true);
    t.start();
    return ws;
  }

  private void watchLoop(WatchService ws) {
    try {
      while (true) {
        WatchKey key = ws.take();
        boolean relevant = key.pollEvents().stream().anyMatch(e -> e.context() instanceof Path changed
            && (lds.map(p -> p.getFileName().equals(changed)).orElse(false)
                || cds.map(p -> p.getFileName().equals(changed)).orElse(false)));
        key.reset();
        if (relevant) {
          reload();
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException stopped) {
      // closed
    }
  }

  /** Synchronized with {@link #watch}: watchers (snapshot compilers) see one thread at a time. */
  private synchronized void reload() {
    try {
      result = load();
    } catch (IllegalArgumentException e) {
      log.warn("{}: reload failed, keeping the last good configuration: {}", file, e.getMessage());
      return;
    }
    watchers.forEach(w -> w.accept(result.resources()));
  }

  @Override
  public synchronized Runnable watch(Consumer<XdsResources> watcher) {
    watchers.add(watcher);
    watcher.accept(result.resources());
    return () -> watchers.remove(watcher);
  }

  @Override
  public ClientStatus status() {
    return result.status();
  }

  @Override
  public List<ResourceDump> dump() {
    return result.dump();
  }

  @Override
  public String describe() {
    return file.toString();
  }

  @Override
  public void close() {
    if (watchService != null) {
      try {
        watchService.close();
      } catch (IOException e) {
        log.debug("closing the watch service of {}", file, e);
      }
    }
  }
}
