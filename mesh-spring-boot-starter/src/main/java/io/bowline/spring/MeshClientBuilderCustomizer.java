package io.bowline.spring;

import io.bowline.api.MeshClient;

/**
 * Adjusts the {@link MeshClient.Builder} the starter fills from {@code bowline.*} before it builds
 * the application's mesh client: add filters, hand over a meter registry or tracer, override a
 * property. Every bean of this type runs, in {@link org.springframework.core.Ordered} order.
 */
@FunctionalInterface
public interface MeshClientBuilderCustomizer {

  /**
   * Adjusts the builder.
   *
   * @param builder the builder, already set from the {@code bowline.*} properties
   */
  void customize(MeshClient.Builder builder);
}
