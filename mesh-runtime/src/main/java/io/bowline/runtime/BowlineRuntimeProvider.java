package io.bowline.runtime;

import io.bowline.api.MeshClient;
import io.bowline.api.MeshSettings;
import io.bowline.api.spi.MeshRuntimeProvider;

/** Registers this runtime with {@link MeshClient#builder()} through {@code META-INF/services}. */
public final class BowlineRuntimeProvider implements MeshRuntimeProvider {
  @Override
  public MeshClient create(MeshSettings settings) {
    return new MeshClientImpl(settings);
  }
}
