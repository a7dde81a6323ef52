package io.bowline.samples.bookinfo;

import com.sun.net.httpserver.HttpHandler;
import io.bowline.api.MeshClient;
import io.bowline.api.Workload;
import io.bowline.controlplane.translate.ClientView;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import okhttp3.OkHttpClient;

/**
 * One Bookinfo workload in this process, e.g. {@code reviews-v2}: an HTTP server on 127.0.0.1
 * (ephemeral port) serving through the runtime's inbound API ({@link InboundHttpServer}: mTLS per
 * PeerAuthentication, RBAC per AuthorizationPolicy), running as service account {@code bookinfo-<app>}, and the
 * workload's own {@link MeshClient} (workload {@code <app>-<version>} in
 * namespace {@code default}, labels {@code app} and {@code version}) with its own mesh-installed
 * {@link OkHttpClient} for outbound calls.
 */
final class BookinfoWorkload implements MeshMember, AutoCloseable {

  static final String NAMESPACE = "default";

  private final String app;
  private final String version;
  private final MeshClient mesh;
  private final OkHttpClient outbound;
  private final InboundHttpServer server;
  private final ExecutorService executor;

  private BookinfoWorkload(
      String app, String version, MeshClient mesh, OkHttpClient outbound, InboundHttpServer server,
      ExecutorService executor) {
    this.app = app;
    this.version = version;
    this.mesh = mesh;
    this.outbound = outbound;
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts the workload: subscribes its mesh client to {@code xdsServer} and serves {@code handler}
   * on a fresh loopback port.
   *
   * @param handler builds the HTTP handler from the workload's mesh-installed outbound client
   * @throws IOException if the server cannot bind
   */
  static BookinfoWorkload start(
      String app, String version, String xdsServer, Function<OkHttpClient, HttpHandler> handler)
      throws IOException {
    return start(app, version, xdsServer, false, handler);
  }

  /**
   * As {@link #start(String, String, String, Function)}; with {@code admin}, the workload's mesh client also
   * serves its admin endpoint and mesh page on an ephemeral loopback port ({@link #adminPage()}).
   */
  static BookinfoWorkload start(
      String app, String version, String xdsServer, boolean admin, Function<OkHttpClient, HttpHandler> handler)
      throws IOException {
    String name = app + "-" + version;
    MeshClient.Builder builder = MeshClient.builder()
        .workload(name, NAMESPACE)
        .label("app", app)
        .label("version", version)
        // the workload runs as Istio's Bookinfo service account: the local CA issues its SPIFFE ID by CSR
        .bootstrapJson("""
            {"xds_servers": [{"server_uri": "%s", "channel_creds": [{"type": "insecure"}],
              "server_features": ["xds_v3"]}],
             "node": {"id": "sidecar~127.0.0.1~%s.%s~%s.svc.cluster.local",
                      "metadata": {"SERVICE_ACCOUNT": "%s"}}}
            """.formatted(xdsServer, name, NAMESPACE, NAMESPACE, serviceAccount(app)));
    if (admin) {
      builder.adminPort(0);
    }
    MeshClient mesh = builder.build();
    ExecutorService executor = null;
    try {
      OkHttpClient outbound = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
      executor = Executors.newCachedThreadPool(daemonThreads(name));
      InboundHttpServer server = InboundHttpServer.bind(executor);
      server.serve(RuntimeMeshClient.of(mesh).serverListeners()::port, handler.apply(outbound));
      return new BookinfoWorkload(app, version, mesh, outbound, server, executor);
    } catch (IOException | RuntimeException e) {
      mesh.close();
      if (executor != null) {
        executor.shutdownNow();
      }
      throw e;
    }
  }

  /** The service name, Istio's {@code app} label, e.g. {@code reviews}. */
  String app() {
    return app;
  }

  /** Istio's {@code version} label, e.g. {@code v2}. */
  String version() {
    return version;
  }

  /** The workload name, e.g. {@code reviews-v2}. */
  @Override
  public String name() {
    return app + "-" + version;
  }

  /** The port the workload's HTTP server listens on, on 127.0.0.1. */
  int port() {
    return server.port();
  }

  /** The mesh page's address ({@code http://127.0.0.1:port/}), if the workload serves one. */
  Optional<String> adminPage() {
    return mesh.adminAddress().map(a -> "http://" + a.getHostString() + ":" + a.getPort() + "/");
  }

  /** What the workload's inbound port saw: requests per peer and status, refused connections. */
  InboundTally inbound() {
    return server.tally();
  }

  /** Istio's Bookinfo service account of {@code app} ({@code bookinfo.yaml}): {@code bookinfo-<app>}. */
  static String serviceAccount(String app) {
    return "bookinfo-" + app;
  }

  /** The workload's own mesh client. */
  @Override
  public MeshClient mesh() {
    return mesh;
  }

  /** How the control plane groups this workload's node: its namespace and labels, a Bowline sidecar (auto-mTLS). */
  @Override
  public ClientView view() {
    Workload identity = mesh.workload();
    return ClientView.sidecar(identity.namespace(), identity.labels(), "", true);
  }

  @Override
  public void close() {
    server.close();
    executor.shutdownNow();
    mesh.close();
    outbound.dispatcher().executorService().shutdown();
    outbound.connectionPool().evictAll();
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-http-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
