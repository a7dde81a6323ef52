package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;

/**
 * A filter's {@code typed_config} as Envoy accepts it: the message packed bare, or its JSON inside a
 * {@code TypedStruct} ({@code udpa.type.v1} or {@code xds.type.v3}, as Istio's EnvoyFilter examples
 * write it).
 */
final class TypedConfigs {
  private static final String UDPA_TYPED_STRUCT = "type.googleapis.com/udpa.type.v1.TypedStruct";
  private static final String XDS_TYPED_STRUCT = "type.googleapis.com/xds.type.v3.TypedStruct";

  private TypedConfigs() {}

  /** A {@code TypedStruct}'s content: the type it configures and the message as a {@code Struct}. */
  private record TypedStruct(String typeUrl, Struct value) {}

  /**
   * The type URL an {@code Any} configures: its own, or the one inside a {@code TypedStruct}.
   *
   * @throws ResourceException if a {@code TypedStruct} cannot be decoded
   */
  static String typeOf(Any any, String at) throws ResourceException {
    TypedStruct ts = typedStruct(any, at);
    return ts == null ? any.getTypeUrl() : ts.typeUrl();
  }

  /**
   * {@code any} decoded as {@code descriptor}'s type, bare or from a {@code TypedStruct}.
   *
   * @param any the config
   * @param descriptor the message type's static descriptor ({@link Unpacking})
   * @param parser its parser
   * @param at the field path for errors
   * @throws ResourceException naming {@code at} when {@code any} holds another type or does not decode
   */
  static <T extends Message> T decode(Any any, Descriptor descriptor, Parser<T> parser, String at)
      throws ResourceException {
    String type = "type.googleapis.com/" + descriptor.getFullName();
    String name = descriptor.getName();
    TypedStruct ts = typedStruct(any, at);
    if (ts != null) {
      if (!ts.typeUrl().equals(type)) {
        throw new ResourceException(at + ".type_url", "expected " + type + ", got " + ts.typeUrl());
      }
      try {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(descriptor);
        JsonFormat.parser().merge(JsonFormat.printer().print(ts.value()), b);
        return parser.parseFrom(b.build().toByteString());
      } catch (InvalidProtocolBufferException e) {
        throw new ResourceException(at + ".value", "cannot decode " + name + ": " + e.getMessage());
      }
    }
    if (!any.getTypeUrl().equals(type)) {
      throw new ResourceException(at, "expected " + name + ", got " + any.getTypeUrl());
    }
    return unpack(any, descriptor, parser, at);
  }

  /**
   * The value of {@code any} if it is a {@code TypedStruct} (of either package) configuring {@code typeUrl}, for a
   * type whose message Bowline reads field by field; {@code null} when it is not a {@code TypedStruct}.
   *
   * @throws ResourceException if it cannot be decoded, or configures another type
   */
  static Struct typedStructValue(Any any, String typeUrl, String at) throws ResourceException {
    TypedStruct ts = typedStruct(any, at);
    if (ts != null && !ts.typeUrl().equals(typeUrl)) {
      throw new ResourceException(at + ".type_url", "expected " + typeUrl + ", got " + ts.typeUrl());
    }
    return ts == null ? null : ts.value();
  }

  /** The content of {@code any} if it is a {@code TypedStruct} of either package, else {@code null}. */
  private static TypedStruct typedStruct(Any any, String at) throws ResourceException {
    if (any.getTypeUrl().equals(UDPA_TYPED_STRUCT)) {
      var t = unpack(any, com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor(), com.github.udpa.udpa.type.v1.TypedStruct.parser(), at);
      return new TypedStruct(t.getTypeUrl(), t.getValue());
    }
    if (any.getTypeUrl().equals(XDS_TYPED_STRUCT)) {
      var t = unpack(any, com.github.xds.type.v3.TypedStruct.getDescriptor(), com.github.xds.type.v3.TypedStruct.parser(), at);
      return new TypedStruct(t.getTypeUrl(), t.getValue());
    }
    return null;
  }

  /** {@code any} unpacked as {@code descriptor}'s type. */
  static <T extends Message> T unpack(Any any, Descriptor descriptor, Parser<T> parser, String at)
      throws ResourceException {
    try {
      return Unpacking.unpack(any, descriptor, parser);
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException(at, "cannot decode " + descriptor.getName() + ": "
          + e.getMessage());
    }
  }
}
