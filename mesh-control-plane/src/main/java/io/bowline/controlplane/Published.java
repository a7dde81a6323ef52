package io.bowline.controlplane;

import java.time.Instant;
import java.util.List;

/**
 * What a {@link LocalControlPlane} serves right now.
 *
 * @param version the xDS snapshot version ({@code DiscoveryResponse.version_info}): {@code "0"} for the empty
 *     configuration served before the first successful load, then {@code "1"}, {@code "2"}, ... bumped on
 *     every successful reload
 * @param files the file names, relative to the configuration directory and sorted, that make up the served
 *     configuration (empty for version {@code "0"})
 * @param at when this snapshot was published
 */
public record Published(String version, List<String> files, Instant at) {

  /** Copies {@code files} so the record stays immutable. */
  public Published {
    files = List.copyOf(files);
  }
}
