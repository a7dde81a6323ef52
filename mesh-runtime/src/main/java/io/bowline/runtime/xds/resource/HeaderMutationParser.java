package io.bowline.runtime.xds.resource;

import io.bowline.api.config.HeaderMutations;
import io.bowline.api.config.HeaderValueOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses Envoy's {@code request_headers_to_add/remove} and {@code response_headers_to_add/remove}
 * (on a route configuration, virtual host, route or weighted cluster) into {@link HeaderMutations}.
 * {@code append_action} defaults to {@code APPEND_IF_EXISTS_OR_ADD}; the deprecated {@code append}
 * maps true to that and false to {@code OVERWRITE_IF_EXISTS_OR_ADD}.
 */
final class HeaderMutationParser {
  private HeaderMutationParser() {}

  static HeaderMutations parse(
      List<io.envoyproxy.envoy.config.core.v3.HeaderValueOption> requestAdd,
      List<String> requestRemove,
      List<io.envoyproxy.envoy.config.core.v3.HeaderValueOption> responseAdd,
      List<String> responseRemove,
      String at) throws ResourceException {
    if (requestAdd.isEmpty() && requestRemove.isEmpty() && responseAdd.isEmpty() && responseRemove.isEmpty()) {
      return HeaderMutations.NONE;
    }
    String p = at.isEmpty() ? "" : at + ".";
    return new HeaderMutations(
        options(requestAdd, p + "request_headers_to_add"),
        names(requestRemove, p + "request_headers_to_remove"),
        options(responseAdd, p + "response_headers_to_add"),
        names(responseRemove, p + "response_headers_to_remove"));
  }

  static List<HeaderValueOption> options(
      List<io.envoyproxy.envoy.config.core.v3.HeaderValueOption> protos, String at) throws ResourceException {
    List<HeaderValueOption> out = new ArrayList<>(protos.size());
    for (int i = 0; i < protos.size(); i++) {
      var o = protos.get(i);
      String field = at + "[" + i + "]";
      String key = o.getHeader().getKey();
      if (key.isEmpty()) {
        throw new ResourceException(field + ".header.key", "must not be empty");
      }
      if (key.startsWith(":") || key.equalsIgnoreCase("host")) {
        throw new ResourceException(field + ".header.key", "'" + key + "' may not be modified this way (use host_rewrite_literal)");
      }
      String value = o.getHeader().getRawValue().isEmpty()
          ? o.getHeader().getValue()
          : o.getHeader().getRawValue().toStringUtf8();
      if (o.hasAppend() && o.getAppendAction()
          != io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD) {
        throw new ResourceException(field, "append and append_action are mutually exclusive");
      }
      HeaderValueOption.AppendAction action;
      if (o.hasAppend()) {
        action = o.getAppend().getValue()
            ? HeaderValueOption.AppendAction.APPEND_IF_EXISTS_OR_ADD
            : HeaderValueOption.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
      } else {
        switch (o.getAppendAction()) {
          case ADD_IF_ABSENT:
            action = HeaderValueOption.AppendAction.ADD_IF_ABSENT;
            break;
          case OVERWRITE_IF_EXISTS_OR_ADD:
            action = HeaderValueOption.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
            break;
          case OVERWRITE_IF_EXISTS:
            action = HeaderValueOption.AppendAction.OVERWRITE_IF_EXISTS;
            break;
          case APPEND_IF_EXISTS_OR_ADD:
            action = HeaderValueOption.AppendAction.APPEND_IF_EXISTS_OR_ADD;
            break;
          default:
            throw new ResourceException(field + ".append_action", "unknown value " + o.getAppendActionValue());
        }
      }
      out.add(new HeaderValueOption(key.toLowerCase(Locale.ROOT), value, action));
    }
    return out;
  }

  private static List<String> names(List<String> names, String at) throws ResourceException {
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      if (n.isEmpty() || n.startsWith(":") || n.equalsIgnoreCase("host")) {
        throw new ResourceException(at + "[" + i + "]", "'" + n + "' cannot be removed");
      }
    }
    return names;
  }
}
