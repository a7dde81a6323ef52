package io.bowline.runtime.routing;

import io.bowline.api.config.HeaderValueOption;
import java.util.List;

/** Applies header removals then additions with Envoy's {@code append_action} semantics. */
final class HeaderOps {
  private HeaderOps() {}

  static void apply(List<String> remove, List<HeaderValueOption> add, HeaderEditor editor) {
    for (String name : remove) {
      editor.remove(name);
    }
    for (HeaderValueOption o : add) {
      switch (o.appendAction()) {
        case APPEND_IF_EXISTS_OR_ADD:
          editor.add(o.key(), o.value());
          break;
        case ADD_IF_ABSENT:
          if (editor.values(o.key()).isEmpty()) {
            editor.add(o.key(), o.value());
          }
          break;
        case OVERWRITE_IF_EXISTS_OR_ADD:
          editor.set(o.key(), o.value());
          break;
        case OVERWRITE_IF_EXISTS:
          if (!editor.values(o.key()).isEmpty()) {
            editor.set(o.key(), o.value());
          }
          break;
        default:
          throw new IllegalStateException("unknown append_action " + o.appendAction());
      }
    }
  }
}
