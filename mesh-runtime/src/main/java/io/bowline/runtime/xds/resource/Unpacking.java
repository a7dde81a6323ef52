package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;

/**
 * {@code Any} unpacking by a message type's static descriptor and parser. Both {@code Any.unpack(Class)} (which
 * finds the default instance by reflection) and a generated message's {@code getDescriptorForType()} (which
 * builds the message's field accessor table by reflection) load the class of every type in the message's and its
 * builder's public method signatures: hundreds of Envoy classes a client never uses. The static
 * {@code getDescriptor()} and {@code parser()} load only what the bytes contain.
 */
public final class Unpacking {
  private Unpacking() {}

  /**
   * {@code any}'s value parsed as {@code type}, checked as {@code Any.unpack} checks it: the type URL's last segment
   * must be the message's full name.
   *
   * @param any the packed message
   * @param type the message's descriptor, e.g. {@code Cluster.getDescriptor()}
   * @param parser its parser, e.g. {@code Cluster.parser()}
   * @return the message
   * @throws InvalidProtocolBufferException if the type URL names another type or the value does not decode
   */
  public static <T extends Message> T unpack(Any any, Descriptor type, Parser<T> parser)
      throws InvalidProtocolBufferException {
    String url = any.getTypeUrl();
    if (!url.substring(url.lastIndexOf('/') + 1).equals(type.getFullName())) {
      throw new InvalidProtocolBufferException("Type of the Any message does not match the given class.");
    }
    return parser.parseFrom(any.getValue());
  }
}
