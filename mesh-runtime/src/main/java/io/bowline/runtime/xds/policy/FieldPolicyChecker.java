package io.bowline.runtime.xds.policy;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Walks the set fields of a resource against {@link SupportedFields}: descends into covered
 * messages (and into an {@code Any} holding an {@code HttpConnectionManager}) and reports the
 * paths of fields whose policy is {@link FieldPolicy#REJECT} or {@link FieldPolicy#WARN}.
 * Stateless; never throws for any message.
 */
public final class FieldPolicyChecker {
  private static final Map<String, Message> UNPACKABLE = Map.of(
      "type.googleapis.com/" + HttpConnectionManager.getDescriptor().getFullName(),
      HttpConnectionManager.getDefaultInstance());

  private FieldPolicyChecker() {}

  /**
   * The fields of a resource that the policy flags.
   *
   * @param rejected field paths with policy REJECT, e.g. {@code virtual_hosts[0].routes[1].match.grpc}
   * @param warned field paths with policy WARN
   */
  public record Findings(List<String> rejected, List<String> warned) {
    public boolean clean() {
      return rejected.isEmpty() && warned.isEmpty();
    }
  }

  public static Findings check(Message resource) {
    Findings f = new Findings(new ArrayList<>(), new ArrayList<>());
    walk(resource, "", f);
    return f;
  }

  private static void walk(Message m, String prefix, Findings f) {
    if (!SupportedFields.covers(m.getDescriptorForType())) {
      return;
    }
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      String path = prefix + field.getName();
      switch (SupportedFields.policy(field)) {
        case REJECT -> f.rejected().add(path);
        case WARN -> f.warned().add(path);
        case IGNORED -> { }
        case SUPPORTED -> {
          if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
            break;
          }
          if (field.isRepeated()) {
            List<?> items = (List<?>) e.getValue();
            for (int i = 0; i < items.size(); i++) {
              descend((Message) items.get(i), path + "[" + i + "].", f);
            }
          } else {
            descend((Message) e.getValue(), path + ".", f);
          }
        }
        default -> throw new IllegalStateException("unknown policy");
      }
    }
  }

  private static void descend(Message m, String prefix, Findings f) {
    if (m instanceof Any any) {
      Message proto = UNPACKABLE.get(any.getTypeUrl());
      if (proto == null) {
        return;
      }
      try {
        walk(proto.getParserForType().parseFrom(any.getValue()), prefix, f);
      } catch (InvalidProtocolBufferException undecodable) {
        // the parser reports it with its own field path
      }
      return;
    }
    walk(m, prefix, f);
  }
}
