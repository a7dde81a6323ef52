package io.bowline.samples.bookinfo;

import io.bowline.api.MeshClient;
import io.bowline.api.Workload;
import io.bowline.controlplane.translate.ClientView;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A mesh workload outside Bookinfo ({@code sleep-v1}, Istio's {@code sleep} sample, service account
 * {@code default}) that requests productpage through its own mesh client: with {@code ISTIO_MUTUAL} in the
 * DestinationRule its calls go out as mTLS with its SPIFFE ID, as from a pod with a sidecar.
 */
final class MeshCaller implements MeshMember, AutoCloseable {
  static final String PRODUCTPAGE_URL = "http://productpage:9080/productpage";
  /** The SPIFFE ID the local CA issues to the caller (service account {@code default}). */
  static final String SPIFFE_ID = "spiffe://cluster.local/ns/default/sa/default";

  private final MeshClient mesh;
  private final OkHttpClient http;

  private MeshCaller(MeshClient mesh, OkHttpClient http) {
    this.mesh = mesh;
    this.http = http;
  }

  /** Starts the caller's mesh client on {@code xdsServer}. */
  static MeshCaller start(String xdsServer) {
    MeshClient mesh = MeshClient.builder().workload("sleep-v1", BookinfoWorkload.NAMESPACE).label("app", "sleep")
        .xdsServer(xdsServer).build();
    return new MeshCaller(mesh, BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build());
  }

  /** {@code GET http://productpage:9080/productpage}: the status, or -1 if no response came. */
  int getProductPage() {
    try (Response response = http.newCall(new Request.Builder().url(PRODUCTPAGE_URL).build()).execute()) {
      response.body().string();
      return response.code();
    } catch (IOException e) {
      return -1;
    }
  }

  @Override
  public String name() {
    return "sleep-v1";
  }

  @Override
  public ClientView view() {
    Workload identity = mesh.workload();
    return ClientView.sidecar(identity.namespace(), identity.labels(), "", true);
  }

  @Override
  public MeshClient mesh() {
    return mesh;
  }

  @Override
  public void close() {
    mesh.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
