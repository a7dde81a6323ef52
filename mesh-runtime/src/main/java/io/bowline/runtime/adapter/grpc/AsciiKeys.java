package io.bowline.runtime.adapter.grpc;

import io.grpc.Metadata;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ASCII metadata keys by header name, each made once: making a {@link Metadata.Key} validates and encodes its name
 * (two objects and a byte array), and the mesh looks the same few names up on every call (route matchers, the
 * exchange's request edits such as {@code x-request-id}, retry conditions). At most {@value #MAX} names are kept;
 * names past that are made per use, as before.
 */
final class AsciiKeys {
  static final int MAX = 512;
  private static final ConcurrentHashMap<String, Metadata.Key<String>> KEYS = new ConcurrentHashMap<>();

  private AsciiKeys() {}

  /**
   * The ASCII key of {@code name}.
   *
   * @throws IllegalArgumentException as {@link Metadata.Key#of(String, Metadata.AsciiMarshaller)} does
   */
  static Metadata.Key<String> of(String name) {
    Metadata.Key<String> key = KEYS.get(name);
    if (key == null) {
      key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
      if (KEYS.size() < MAX) {
        KEYS.putIfAbsent(name, key);
      }
    }
    return key;
  }
}
