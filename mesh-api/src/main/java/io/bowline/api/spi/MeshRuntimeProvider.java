package io.bowline.api.spi;

import io.bowline.api.MeshClient;
import io.bowline.api.MeshSettings;

/**
 * Service-provider interface that {@link MeshClient.Builder#build()} uses to find the runtime
 * ({@code mesh-runtime} registers one in {@code META-INF/services}).
 */
public interface MeshRuntimeProvider {

  /**
   * Creates and starts a client for these settings.
   *
   * @param settings what the builder was given
   * @return the started client
   */
  MeshClient create(MeshSettings settings);
}
