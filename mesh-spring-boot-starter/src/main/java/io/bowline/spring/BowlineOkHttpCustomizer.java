package io.bowline.spring;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import okhttp3.OkHttpClient;

/**
 * Puts an OkHttp client on the mesh: inject it and pass the builders of the application's
 * {@code OkHttpClient}s through it ({@link BowlineOkHttp#install}).
 *
 * <pre>{@code
 * @Bean OkHttpClient http(BowlineOkHttpCustomizer mesh) {
 *   return mesh.customize(new OkHttpClient.Builder()).build();
 * }
 * }</pre>
 */
public final class BowlineOkHttpCustomizer {
  private final MeshClient mesh;

  BowlineOkHttpCustomizer(MeshClient mesh) {
    this.mesh = mesh;
  }

  /**
   * Installs the application's mesh client into {@code builder}.
   *
   * @return the same builder
   * @throws IllegalStateException if another mesh client is installed in it
   */
  public OkHttpClient.Builder customize(OkHttpClient.Builder builder) {
    return BowlineOkHttp.install(mesh, builder);
  }
}
