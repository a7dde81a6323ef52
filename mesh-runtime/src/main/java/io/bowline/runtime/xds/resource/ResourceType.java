package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;

/**
 * One xDS resource type as a plug-in: its type URL, how to read its name, and how to validate and
 * convert the Envoy proto into the runtime's model.
 *
 * @param <M> the Envoy proto message
 * @param <T> the model type
 */
public abstract class ResourceType<M extends Message, T> {
  private final String typeUrl;
  private final Descriptor descriptor;
  private final Parser<M> parser;
  private final boolean stateOfTheWorld;

  /**
   * @param typeUrl the type URL
   * @param descriptor the proto's static descriptor ({@code Cluster.getDescriptor()})
   * @param parser the proto's parser ({@code Cluster.parser()}); neither needs reflection ({@link Unpacking})
   * @param stateOfTheWorld whether a SotW response carries every resource of the type
   */
  protected ResourceType(String typeUrl, Descriptor descriptor, Parser<M> parser, boolean stateOfTheWorld) {
    this.typeUrl = typeUrl;
    this.descriptor = descriptor;
    this.parser = parser;
    this.stateOfTheWorld = stateOfTheWorld;
  }

  /** The type URL, e.g. {@code type.googleapis.com/envoy.config.listener.v3.Listener}. */
  public final String typeUrl() {
    return typeUrl;
  }

  /**
   * Whether a SotW response carries every resource of the type (LDS, CDS), so that absence means
   * deletion; RDS and EDS responses may carry a subset.
   */
  public final boolean isStateOfTheWorld() {
    return stateOfTheWorld;
  }

  /** Unpacks a resource of this type. */
  public final M unpack(Any any) throws InvalidProtocolBufferException {
    return Unpacking.unpack(any, descriptor, parser);
  }

  /** The proto's descriptor. */
  public final Descriptor descriptor() {
    return descriptor;
  }

  /** The resource's name. */
  public abstract String name(M proto);

  /**
   * Validates and converts.
   *
   * @return the model value, or {@code null} for a valid resource that the runtime has no use for
   * @throws ResourceException naming the field, if the resource cannot be accepted
   */
  public abstract T parse(M proto) throws ResourceException;
}
