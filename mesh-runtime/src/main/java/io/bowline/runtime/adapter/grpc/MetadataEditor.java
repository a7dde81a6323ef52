package io.bowline.runtime.adapter.grpc;

import io.bowline.runtime.routing.HeaderEditor;
import io.grpc.Metadata;
import java.util.ArrayList;
import java.util.List;

/** gRPC {@link Metadata} (ASCII keys) seen as a {@link HeaderEditor}. */
class MetadataEditor implements HeaderEditor {
  private final Metadata metadata;

  MetadataEditor(Metadata metadata) {
    this.metadata = metadata;
  }

  private static Metadata.Key<String> key(String name) {
    return AsciiKeys.of(name);
  }

  @Override
  public List<String> values(String name) {
    Iterable<String> values = metadata.getAll(key(name));
    List<String> out = new ArrayList<>();
    if (values != null) {
      values.forEach(out::add);
    }
    return out;
  }

  @Override
  public void add(String name, String value) {
    metadata.put(key(name), value);
  }

  @Override
  public void set(String name, String value) {
    metadata.removeAll(key(name));
    metadata.put(key(name), value);
  }

  @Override
  public void remove(String name) {
    metadata.removeAll(key(name));
  }
}
