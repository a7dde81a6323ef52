package io.bowline.runtime;

import io.bowline.api.MeshClient;
import io.grpc.Channel;
import okhttp3.OkHttpClient;

/**
 * The runtime's side of a {@link MeshClient}: what the transport adapters install. Every client that
 * {@code MeshClient.builder().build()} returns with {@code mesh-runtime} on the class path is one.
 * Applications use the typed entry points instead: {@link io.bowline.runtime.adapter.okhttp.BowlineOkHttp}
 * and {@link io.bowline.runtime.adapter.grpc.BowlineGrpc}.
 */
public interface RuntimeMeshClient extends MeshClient {

  /**
   * The runtime behind {@code mesh}.
   *
   * @throws IllegalArgumentException if {@code mesh} is null or not built by this runtime
   */
  static RuntimeMeshClient of(MeshClient mesh) {
    if (mesh instanceof RuntimeMeshClient r) {
      return r;
    }
    throw new IllegalArgumentException("expected a MeshClient built by Bowline's runtime (MeshClient.builder().build()), got "
        + (mesh == null ? "null" : mesh.getClass().getName()));
  }

  /**
   * Adds the mesh's interceptors to {@code builder}; does nothing if this client's are already there
   * (a builder from {@code OkHttpClient.newBuilder()} of a meshed client, or a second install).
   *
   * @return {@code builder}
   * @throws IllegalStateException if another mesh client's interceptors are installed in {@code builder}
   */
  OkHttpClient.Builder installOkHttp(OkHttpClient.Builder builder);

  /**
   * A channel whose every call is routed by this client to {@code authority} ({@code host:port}, the
   * listener name and the {@code :authority} of its calls). Needs no shutdown of its own.
   *
   * @throws IllegalArgumentException if {@code authority} is not {@code host:port}
   */
  Channel newGrpcChannel(String authority);
}
