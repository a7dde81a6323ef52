package io.bowline.runtime.admin;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.FieldMask;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.FieldMaskUtil;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The query parameters of Envoy's admin {@code /config_dump}, applied as Envoy's config dump handler applies them:
 * <ul>
 *   <li>{@code name_regex}: only resources whose name (listener, route configuration, cluster, the endpoints'
 *       {@code cluster_name}, secret) fully matches the RE2 expression; empty means all; a bad expression is a 400;
 *   <li>{@code resource}: instead of the top-level dumps, the elements of the first dump's repeated field of that
 *       name (e.g. {@code dynamic_active_clusters}), each packed as an {@code Any}; a field that is not repeated is a
 *       400, a name no dump has is a 404;
 *   <li>{@code mask}: a {@code FieldMask} (comma-separated paths). Alone, it trims every top-level dump it is valid
 *       for and drops the others (none left is a 400). With {@code resource}, it trims each element, a path whose
 *       first part names the element's {@code Any} field reaching into the resource inside it (e.g.
 *       {@code cluster.name,last_updated}; the path {@code cluster} alone keeps the whole resource); a path invalid
 *       for the element is a 400.
 * </ul>
 */
final class ConfigDumpQuery {
  private final String resource;
  private final FieldMask mask;
  private final String maskText;
  private final Predicate<String> names;

  private ConfigDumpQuery(String resource, String maskText, Predicate<String> names) {
    this.resource = resource;
    this.maskText = maskText;
    this.mask = maskText == null ? null : FieldMaskUtil.fromString(maskText);
    this.names = names;
  }

  /**
   * @param resource the {@code resource} parameter, or {@code null}
   * @param mask the {@code mask} parameter, or {@code null}
   * @param nameRegex the {@code name_regex} parameter, or {@code null}
   * @throws IllegalArgumentException naming the expression if {@code nameRegex} is not an RE2 expression
   */
  static ConfigDumpQuery of(String resource, String mask, String nameRegex) {
    Predicate<String> names = n -> true;
    if (nameRegex != null && !nameRegex.isEmpty()) {
      try {
        Pattern p = Pattern.compile(nameRegex);
        names = n -> p.matches(n);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("Error while parsing name_regex from " + nameRegex + ": "
            + e.getMessage(), e);
      }
    }
    return new ConfigDumpQuery(resource, mask, names);
  }

  /** Whether a resource of this name belongs in the dump ({@code name_regex}). */
  boolean includes(String name) {
    return names.test(name);
  }

  /**
   * The dump the query asks for.
   *
   * @param dump the whole dump (filtered by name already), its configs redacted
   * @param printer the printer that will print the answer: re-packed messages are registered with it
   * @return the answer
   * @throws QueryException for a resource or mask Envoy would refuse, with Envoy's status and message
   */
  ConfigDump apply(ConfigDump dump, DumpPrinter printer) throws QueryException {
    List<Message> sections = new ArrayList<>();
    for (Any a : dump.getConfigsList()) {
      sections.add(unpack(a));
    }
    ConfigDump.Builder out = ConfigDump.newBuilder();
    if (resource != null) {
      for (Message section : sections) {
        FieldDescriptor f = section.getDescriptorForType().findFieldByName(resource);
        if (f == null) {
          continue;
        }
        if (!f.isRepeated()) {
          throw new QueryException(400, f.getName() + " is not a repeated field. Use ?mask=" + f.getName()
              + " to get only this field");
        }
        for (int i = 0; i < section.getRepeatedFieldCount(f); i++) {
          Message element = (Message) section.getRepeatedField(f, i);
          if (mask != null) {
            element = trimResource(element);
          }
          out.addConfigs(printer.redactAny(Any.pack(element)));
        }
        return out.build();
      }
      throw new QueryException(404, resource + " not found in config dump");
    }
    for (Message section : sections) {
      if (mask == null) {
        out.addConfigs(printer.redactAny(Any.pack(section)));
      } else if (valid(mask, section.getDescriptorForType())) {
        out.addConfigs(printer.redactAny(Any.pack(FieldMaskUtil.trim(mask, section))));
      }
    }
    if (mask != null && out.getConfigsCount() == 0) {
      throw new QueryException(400, "FieldMask " + maskText + " could not be successfully applied to any configs.");
    }
    return out.build();
  }

  /**
   * Trims one element of a repeated field: paths under its {@code Any} field go to the resource packed in it,
   * the rest to the element.
   */
  private Message trimResource(Message element) throws QueryException {
    Descriptor d = element.getDescriptorForType();
    FieldMask.Builder outer = FieldMask.newBuilder();
    FieldMask.Builder inner = FieldMask.newBuilder();
    FieldDescriptor anyField = null;
    for (String path : mask.getPathsList()) {
      int dot = path.indexOf('.');
      String head = dot < 0 ? path : path.substring(0, dot);
      FieldDescriptor f = d.findFieldByName(head);
      if (f != null && !f.isRepeated() && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && f.getMessageType().getFullName().equals(Any.getDescriptor().getFullName())
          && (anyField == null || anyField == f)) {
        anyField = f;
        outer.addPaths(head);
        inner.addPaths(dot < 0 ? "" : path.substring(dot + 1));
      } else {
        outer.addPaths(path);
      }
    }
    Message.Builder b = element.toBuilder();
    // a path that is the Any field itself keeps its whole resource
    if (anyField != null && element.hasField(anyField) && !inner.getPathsList().contains("")) {
      FieldMask innerMask = inner.build();
      try {
        Any packed = Any.parseFrom(((Message) element.getField(anyField)).toByteString());
        String url = packed.getTypeUrl();
        Descriptor innerType = DumpPrinter.descriptor(url.substring(url.lastIndexOf('/') + 1));
        if (innerType == null || !valid(innerMask, innerType)) {
          throw cannotUse();
        }
        Message trimmed = FieldMaskUtil.trim(innerMask, DynamicMessage.parseFrom(innerType, packed.getValue()));
        b.setField(anyField, Any.newBuilder().setTypeUrl(url).setValue(trimmed.toByteString()).build());
      } catch (InvalidProtocolBufferException e) {
        throw cannotUse();
      }
    }
    FieldMask outerMask = outer.build();
    if (!valid(outerMask, d)) {
      throw cannotUse();
    }
    return FieldMaskUtil.trim(outerMask, b.build());
  }

  private QueryException cannotUse() {
    return new QueryException(400, "FieldMask " + maskText + " could not be successfully used.");
  }

  private static boolean valid(FieldMask m, Descriptor d) {
    for (String path : m.getPathsList()) {
      if (path.isEmpty() || !FieldMaskUtil.isValid(d, path)) {
        return false;
      }
    }
    return true;
  }

  private static Message unpack(Any a) {
    String url = a.getTypeUrl();
    Descriptor d = DumpPrinter.descriptor(url.substring(url.lastIndexOf('/') + 1));
    try {
      return DynamicMessage.parseFrom(d, a.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the config dump's own " + url + " does not parse", e);
    }
  }

  /** A query Envoy's admin refuses: the HTTP status and the message it answers with. */
  static final class QueryException extends Exception {
    final int status;

    QueryException(int status, String message) {
      super(message);
      this.status = status;
    }
  }
}
