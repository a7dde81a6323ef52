package io.bowline.runtime.xds.policy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.WireFormat;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Walks the set fields of a resource against {@link SupportedFields}: descends into covered
 * messages (and into an {@code Any} holding an {@code HttpConnectionManager}) and reports the
 * paths of fields whose policy is {@link FieldPolicy#REJECT} or {@link FieldPolicy#WARN}.
 * Stateless; never throws for any message.
 *
 * <p>It reads the resource's wire encoding with the descriptors only, never protobuf's reflection
 * ({@code getAllFields} builds each message's field accessor table, which loads the class of every
 * field type of the message and of its builder: hundreds of Envoy classes a client never uses). A
 * field is set as {@code getAllFields} says: a message field when present, a repeated field when
 * not empty, a scalar with presence when present, any other scalar when not its default (the last
 * occurrence wins, and a later member of a oneof clears an earlier one); fields come in declaration
 * order; unknown fields are not set.
 */
public final class FieldPolicyChecker {
  private static final Map<String, Descriptor> UNPACKABLE = Map.of(
      "type.googleapis.com/" + HttpConnectionManager.getDescriptor().getFullName(),
      HttpConnectionManager.getDescriptor());

  private FieldPolicyChecker() {}

  /**
   * The fields of a resource that the policy flags.
   *
   * @param rejected field paths with policy REJECT, e.g. {@code virtual_hosts[0].routes[1].match.grpc}
   * @param warned field paths with policy WARN
   */
  public record Findings(List<String> rejected, List<String> warned) {
    /** Whether no field is flagged. */
    public boolean clean() {
      return rejected.isEmpty() && warned.isEmpty();
    }
  }

  /** The fields of {@code resource} that the policy flags. */
  public static Findings check(Message resource) {
    return check(resource.getDescriptorForType(), resource.toByteString());
  }

  /**
   * The fields that the policy flags in a resource of type {@code type} encoded as {@code encoded} (an
   * {@code Any}'s value). Bytes that do not decode stop the walk where they start: the resource's parser
   * reports them.
   */
  public static Findings check(Descriptor type, ByteString encoded) {
    Findings f = new Findings(new ArrayList<>(), new ArrayList<>());
    walk(type, encoded, "", f);
    return f;
  }

  private static void walk(Descriptor type, ByteString encoded, String prefix, Findings f) {
    if (!SupportedFields.covers(type)) {
      return;
    }
    Map<FieldDescriptor, List<ByteString>> set = new TreeMap<>((a, b) -> Integer.compare(a.getIndex(), b.getIndex()));
    try {
      read(type, encoded, set);
    } catch (IOException undecodable) {
      // the parser reports it with its own field path; what was read so far is checked
    }
    for (Map.Entry<FieldDescriptor, List<ByteString>> e : set.entrySet()) {
      FieldDescriptor field = e.getKey();
      String path = prefix + field.getName();
      switch (SupportedFields.policy(field)) {
        case REJECT -> addOnce(f.rejected(), path);
        case WARN -> addOnce(f.warned(), path);
        case IGNORED -> { }
        case SUPPORTED -> {
          if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
            break;
          }
          List<ByteString> values = e.getValue();
          for (int i = 0; i < values.size(); i++) {
            descend(field.getMessageType(), values.get(i), path + (field.isRepeated() ? "[" + i + "]." : "."), f);
          }
        }
        default -> throw new IllegalStateException("unknown policy");
      }
    }
  }

  /**
   * The set fields of one encoded message: for a message field its encoded values (one per element of a
   * repeated field, one per occurrence of a singular one, which parsing merges), for a scalar an empty list.
   */
  private static void read(Descriptor type, ByteString encoded, Map<FieldDescriptor, List<ByteString>> set)
      throws IOException {
    CodedInputStream in = encoded.newCodedInput();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      FieldDescriptor field = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
      if (field == null) {
        in.skipField(tag);
        continue;
      }
      boolean nonDefault;
      ByteString message = null;
      switch (WireFormat.getTagWireType(tag)) {
        case WireFormat.WIRETYPE_VARINT -> nonDefault = in.readRawVarint64() != 0;
        case WireFormat.WIRETYPE_FIXED64 -> nonDefault = in.readRawLittleEndian64() != 0;
        case WireFormat.WIRETYPE_FIXED32 -> nonDefault = in.readRawLittleEndian32() != 0;
        case WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          ByteString value = in.readBytes();
          if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            message = value;
          } else if (field.isRepeated() && field.isPackable() && value.isEmpty()) {
            continue; // an empty packed run adds no element
          }
          nonDefault = message != null || !value.isEmpty();
        }
        default -> {
          in.skipField(tag);
          continue;
        }
      }
      record(set, field, nonDefault || field.isRepeated() || field.hasPresence(), message);
    }
  }

  private static void record(Map<FieldDescriptor, List<ByteString>> set, FieldDescriptor field, boolean present,
      ByteString message) {
    if (!present) {
      if (!field.isRepeated()) {
        set.remove(field); // proto3: the last value, the default, leaves the field unset
      }
      return;
    }
    OneofDescriptor oneof = field.getRealContainingOneof();
    if (oneof != null) {
      set.keySet().removeIf(other -> other != field && other.getRealContainingOneof() == oneof);
    }
    List<ByteString> values = set.computeIfAbsent(field, k -> new ArrayList<>());
    if (message != null) {
      values.add(message);
    }
  }

  private static void descend(Descriptor type, ByteString encoded, String prefix, Findings f) {
    if (type.equals(Any.getDescriptor())) {
      try {
        Any any = Any.parseFrom(encoded);
        Descriptor packed = UNPACKABLE.get(any.getTypeUrl());
        if (packed != null) {
          walk(packed, any.getValue(), prefix, f);
        }
      } catch (InvalidProtocolBufferException undecodable) {
        // the parser reports it with its own field path
      }
      return;
    }
    walk(type, encoded, prefix, f);
  }

  private static void addOnce(List<String> paths, String path) {
    if (!paths.contains(path)) {
      paths.add(path);
    }
  }
}
