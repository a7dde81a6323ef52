package io.bowline.runtime.testing;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real xDS server for tests: envoyproxy's java-control-plane (V3DiscoveryServer + SimpleCache,
 * one node group) on a loopback port. Records every DiscoveryRequest it receives.
 */
public final class XdsTestServer implements AutoCloseable {
  private static final String GROUP = "all";
  private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
  private final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
  private final List<DeltaDiscoveryRequest> deltaRequests = new CopyOnWriteArrayList<>();
  private final Server server;

  public XdsTestServer() throws IOException {
    this(0);
  }

  /** @param port the loopback port to bind, 0 for any */
  public XdsTestServer(int port) throws IOException {
    DiscoveryServerCallbacks callbacks = new DiscoveryServerCallbacks() {
      @Override
      public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        requests.add(request);
      }

      @Override
      public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        deltaRequests.add(request);
      }
    };
    V3DiscoveryServer discovery = new V3DiscoveryServer(callbacks, cache);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(discovery.getAggregatedDiscoveryServiceImpl())
        .build()
        .start();
  }

  /** The bound port. */
  public int port() {
    return server.getPort();
  }

  /** {@code 127.0.0.1:<port>}. */
  public String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /** Publishes a snapshot to every client. */
  public void set(Snapshot snapshot) {
    cache.setSnapshot(GROUP, snapshot);
  }

  /** Every request received so far, in order. */
  public List<DiscoveryRequest> requests() {
    return List.copyOf(requests);
  }

  /** Every incremental (delta) request received so far, in order. */
  public List<DeltaDiscoveryRequest> deltaRequests() {
    return List.copyOf(deltaRequests);
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
