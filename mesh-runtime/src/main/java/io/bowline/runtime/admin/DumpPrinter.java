package io.bowline.runtime.admin;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prints admin protos as Envoy's admin does: JSON with proto field names and {@code @type} on every
 * {@code Any}, with every field marked {@code udpa.annotations.sensitive} redacted first (Envoy's
 * {@code MessageUtil::redact}: strings and bytes become {@code [redacted]}, other values under a sensitive
 * field are cleared), inside {@code Any}s too. Beyond Envoy, every {@code DataSource} of a TLS message
 * ({@code envoy.extensions.transport_sockets.tls.v3}: certificate chains, trusted CAs, OCSP staples) is redacted as
 * well, so that no certificate material reaches a dump either (issue 15). An {@code Any} whose type this build does not carry is shown as
 * a {@code google.protobuf.Struct} naming the type, never as its bytes. One instance per dump: it collects the
 * message types the dump holds for the JSON printer.
 */
final class DumpPrinter {
  static final String REDACTED = "[redacted]";
  private static final String[] JAVA_PREFIXES = {"io.envoyproxy.", "com.github.", "com.github.udpa.", ""};
  /** Descriptors by proto full name; {@code NONE} caches a type this build does not carry. */
  private static final Map<String, Descriptor> DESCRIPTORS = new ConcurrentHashMap<>();
  private static final Descriptor NONE = Struct.getDescriptor();

  private final JsonFormat.TypeRegistry.Builder types = JsonFormat.TypeRegistry.newBuilder()
      .add(Struct.getDescriptor());

  /** {@code message} redacted, with its {@code Any}s re-packed from their redacted contents. */
  @SuppressWarnings("unchecked")
  <M extends Message> M redact(M message) {
    return (M) redact(message, false);
  }

  /** {@code any}'s contents redacted and re-packed; an unknown type becomes a Struct naming it. */
  Any redactAny(Any any) {
    return redactAny(any, false);
  }

  private Any redactAny(Any any, boolean sensitive) {
    String url = any.getTypeUrl();
    Descriptor d = descriptor(url.substring(url.lastIndexOf('/') + 1));
    if (d == null) {
      return Any.pack(Struct.newBuilder().putFields("unknown_type_url", Value.newBuilder().setStringValue(url).build())
          .build());
    }
    types.add(d);
    try {
      Message inner = DynamicMessage.parseFrom(d, any.getValue());
      return Any.newBuilder().setTypeUrl(url).setValue(redact(inner, sensitive).toByteString()).build();
    } catch (InvalidProtocolBufferException e) {
      return Any.pack(Struct.newBuilder().putFields("unparsable_type_url",
          Value.newBuilder().setStringValue(url).build()).build());
    }
  }

  /** JSON of {@code message} (already redacted), with proto field names, as Envoy's admin prints it. */
  String json(Message message) {
    try {
      return JsonFormat.printer().usingTypeRegistry(types.build()).preservingProtoFieldNames().print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + message.getDescriptorForType().getFullName() + ": "
          + e.getMessage(), e);
    }
  }

  private Message redact(Message message, boolean sensitive) {
    if (message instanceof Any any) {
      return redactAny(any, sensitive);
    }
    if (message.getDescriptorForType().getFullName().equals("google.protobuf.Any")) {
      try {
        Any any = redactAny(Any.parseFrom(message.toByteString()), sensitive);
        return message instanceof DynamicMessage ? DynamicMessage.parseFrom(message.getDescriptorForType(),
            any.toByteString()) : any;
      } catch (InvalidProtocolBufferException e) {
        return Any.getDefaultInstance();
      }
    }
    Message.Builder b = message.toBuilder();
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      boolean s = sensitive || isSensitive(f) || isTlsDataSource(message.getDescriptorForType(), f);
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (f.isRepeated()) {
          List<?> list = (List<?>) e.getValue();
          for (int i = 0; i < list.size(); i++) {
            b.setRepeatedField(f, i, redact((Message) list.get(i), s));
          }
        } else {
          b.setField(f, redact((Message) e.getValue(), s));
        }
      } else if (s) {
        redactScalar(b, f);
      }
    }
    return b.build();
  }

  private static void redactScalar(Message.Builder b, FieldDescriptor f) {
    FieldDescriptor.JavaType t = f.getJavaType();
    Object redacted = t == FieldDescriptor.JavaType.STRING ? REDACTED
        : t == FieldDescriptor.JavaType.BYTE_STRING ? ByteString.copyFromUtf8(REDACTED) : null;
    if (redacted == null) {
      b.clearField(f);
    } else if (f.isRepeated()) {
      for (int i = 0; i < b.getRepeatedFieldCount(f); i++) {
        b.setRepeatedField(f, i, redacted);
      }
    } else {
      b.setField(f, redacted);
    }
  }

  private static boolean isTlsDataSource(Descriptor parent, FieldDescriptor f) {
    return f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
        && f.getMessageType().getFullName().equals("envoy.config.core.v3.DataSource")
        && parent.getFullName().startsWith("envoy.extensions.transport_sockets.tls.v3.");
  }

  private static boolean isSensitive(FieldDescriptor f) {
    return f.getOptions().getExtension(udpa.annotations.Sensitive.sensitive);
  }

  /** The descriptor of a message type by its proto full name, from the generated class on the class path. */
  static Descriptor descriptor(String fullName) {
    Descriptor d = DESCRIPTORS.computeIfAbsent(fullName, DumpPrinter::load);
    return d == NONE && !fullName.equals(NONE.getFullName()) ? null : d;
  }

  private static Descriptor load(String fullName) {
    String javaName = fullName.startsWith("google.protobuf.")
        ? "com.google.protobuf." + fullName.substring("google.protobuf.".length()) : null;
    for (String prefix : JAVA_PREFIXES) {
      String candidate = javaName != null ? javaName : prefix + fullName;
      try {
        Class<?> c = Class.forName(candidate, false, DumpPrinter.class.getClassLoader());
        if (Message.class.isAssignableFrom(c)) {
          Descriptor d = (Descriptor) c.getMethod("getDescriptor").invoke(null);
          if (d.getFullName().equals(fullName)) {
            return d;
          }
        }
      } catch (ReflectiveOperationException | LinkageError notHere) {
        // try the next package prefix
      }
      if (javaName != null) {
        break;
      }
    }
    int dot = fullName.lastIndexOf('.');
    if (dot > 0) { // a nested message, e.g. envoy.admin.v3.ClustersConfigDump.DynamicCluster
      Descriptor outer = descriptor(fullName.substring(0, dot));
      Descriptor nested = outer == null ? null : outer.findNestedTypeByName(fullName.substring(dot + 1));
      if (nested != null) {
        return nested;
      }
    }
    return NONE;
  }
}
