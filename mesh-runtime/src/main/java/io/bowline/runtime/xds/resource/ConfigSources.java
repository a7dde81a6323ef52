package io.bowline.runtime.xds.resource;

import io.envoyproxy.envoy.config.core.v3.ConfigSource;

/** Checks that a {@code ConfigSource} points back at the ADS stream (the only source we follow). */
final class ConfigSources {
  private ConfigSources() {}

  static void requireAds(ConfigSource source, String field) throws ResourceException {
    if (!source.hasAds() && !source.hasSelf()) {
      throw new ResourceException(
          field, "only ads or self config sources are supported, got " + source.getConfigSourceSpecifierCase());
    }
  }
}
