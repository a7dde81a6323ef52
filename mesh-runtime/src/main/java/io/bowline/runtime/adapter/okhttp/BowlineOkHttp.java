package io.bowline.runtime.adapter.okhttp;

import io.bowline.api.MeshClient;
import io.bowline.runtime.RuntimeMeshClient;
import okhttp3.OkHttpClient;

/**
 * Puts an OkHttp client on the mesh: every call of a client built from the builder is routed as a
 * sidecar would route it (listener {@code host:port}, virtual host by {@code Host}, route, cluster,
 * endpoint), with the route's timeouts, retries, faults and mirrors; hosts the mesh does not know are
 * called directly.
 *
 * <pre>{@code
 * OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
 * }</pre>
 */
public final class BowlineOkHttp {
  private BowlineOkHttp() {}

  /**
   * Installs {@code mesh} into {@code builder} and returns the same builder. Installing the same mesh
   * client twice (or into {@code newBuilder()} of a client that has it) is a no-op.
   *
   * @throws IllegalArgumentException if {@code mesh} is not a client built by Bowline's runtime, or
   *     {@code builder} is null
   * @throws IllegalStateException if another mesh client is installed in {@code builder}
   */
  public static OkHttpClient.Builder install(MeshClient mesh, OkHttpClient.Builder builder) {
    RuntimeMeshClient runtime = RuntimeMeshClient.of(mesh);
    if (builder == null) {
      throw new IllegalArgumentException("builder must not be null");
    }
    return MeshInterceptor.install(builder, runtime.router());
  }
}
