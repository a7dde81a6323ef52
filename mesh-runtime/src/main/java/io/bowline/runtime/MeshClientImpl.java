package io.bowline.runtime;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.api.MeshSettings;
import io.bowline.api.Workload;
import io.bowline.runtime.grpc.EndpointChannels;
import io.bowline.runtime.grpc.MeshChannel;
import io.bowline.runtime.okhttp.MeshInterceptor;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.snapshot.MeshSnapshot;
import io.bowline.runtime.snapshot.SnapshotCompiler;
import io.bowline.runtime.xds.NodeFactory;
import io.bowline.runtime.xds.XdsClient;
import io.bowline.runtime.xds.XdsResources;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.OkHttpClient;

/**
 * The runtime's {@link MeshClient}: an {@link XdsClient} feeding a {@link SnapshotCompiler}, whose
 * output the adapters read through one volatile field.
 */
final class MeshClientImpl implements MeshClient {
  private final MeshSettings settings;
  private final XdsClient xds;
  private final SnapshotCompiler compiler;
  private final CountDownLatch firstConfig = new CountDownLatch(1);
  private final OutboundRouter router = new OutboundRouter(this::snapshotForCall);
  private final EndpointChannels grpcEndpoints = new EndpointChannels();
  private volatile MeshSnapshot snapshot = MeshSnapshot.EMPTY;

  MeshClientImpl(MeshSettings settings) {
    this.settings = settings;
    this.compiler = new SnapshotCompiler(settings.workload().namespace(), settings.clusterDomain());
    this.xds = new XdsClient(
        settings.xdsServer(),
        NodeFactory.forWorkload(settings.workload(), settings.clusterDomain()),
        settings.initialFetchTimeout(),
        this::onResources);
    xds.start();
  }

  /** Runs on the config executor. */
  private void onResources(XdsResources resources) {
    snapshot = compiler.compile(resources);
    if (resources.complete()) {
      firstConfig.countDown();
    }
  }

  /** The snapshot for a call: waits (up to the initial fetch timeout) for the first config. */
  MeshSnapshot snapshotForCall() {
    MeshSnapshot s = snapshot;
    if (s.complete() || firstConfig.getCount() == 0) {
      return s;
    }
    try {
      firstConfig.await(settings.initialFetchTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return snapshot;
  }

  @Override
  public <B> B okHttp(B okHttpClientBuilder) {
    if (!(okHttpClientBuilder instanceof OkHttpClient.Builder b)) {
      throw new IllegalArgumentException(
          "okHttp() takes an okhttp3.OkHttpClient.Builder, got "
              + (okHttpClientBuilder == null ? "null" : okHttpClientBuilder.getClass().getName()));
    }
    b.addInterceptor(new MeshInterceptor(router));
    return okHttpClientBuilder;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <C> C grpcChannel(String target) {
    return (C) new MeshChannel(target, router, grpcEndpoints);
  }

  @Override
  public void awaitReady(Duration timeout) throws TimeoutException, InterruptedException {
    if (!firstConfig.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException(
          "no complete configuration from " + settings.xdsServer() + " within " + timeout);
    }
  }

  @Override
  public ClientStatus status() {
    return xds.status();
  }

  @Override
  public Workload workload() {
    return settings.workload();
  }

  @Override
  public void close() {
    xds.close();
    grpcEndpoints.close();
  }

  @Override
  public String toString() {
    return "MeshClient{" + settings.workload().name() + "." + settings.workload().namespace()
        + " -> " + settings.xdsServer() + "}";
  }
}
