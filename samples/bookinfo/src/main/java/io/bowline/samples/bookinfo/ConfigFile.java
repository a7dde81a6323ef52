package io.bowline.samples.bookinfo;

import java.nio.charset.StandardCharsets;

/**
 * A file to place in the control plane's config directory.
 *
 * @param name the file name in the config directory, e.g. {@code 20-vs-all-v1.yaml}; the control
 *     plane resolves resources defined twice by this name (the later name in sorted order wins)
 * @param source where the content came from, for messages (a path or a class-path resource)
 * @param content the bytes, written unchanged
 */
public record ConfigFile(String name, String source, byte[] content) {

  /** A file whose content is UTF-8 text. */
  static ConfigFile text(String name, String source, String content) {
    return new ConfigFile(name, source, content.getBytes(StandardCharsets.UTF_8));
  }
}
