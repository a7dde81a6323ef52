package io.bowline.runtime.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.bowline.api.ClientStatus;
import io.bowline.runtime.xds.resource.ClusterResourceType;
import io.bowline.runtime.xds.resource.ListenerResourceType;
import io.bowline.runtime.xds.resource.ResourceType;
import io.bowline.runtime.xds.resource.TypeUrls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Validates statically configured listeners and clusters exactly as if an xDS server had sent them
 * (same supported-field policy, same parsers): valid ones are accepted, invalid ones are reported
 * NACKED in the status with the resource and field, and left out.
 */
public final class StaticResourcesDecoder {
  private StaticResourcesDecoder() {}

  /**
   * The outcome.
   *
   * @param resources the accepted listeners and clusters ({@code complete} is true)
   * @param status every resource ACKED or NACKED at {@code version}
   * @param dump every resource as given, for config dumps
   */
  public record Result(XdsResources resources, ClientStatus status, List<ResourceDump> dump) {}

  /** @param version reported as each resource's version, e.g. {@code static} */
  public static Result decode(List<io.envoyproxy.envoy.config.listener.v3.Listener> listeners,
      List<io.envoyproxy.envoy.config.cluster.v3.Cluster> clusters, String version) {
    return decode(listeners, clusters, version, java.util.Set.of());
  }

  /**
   * @param version reported as each resource's version, e.g. {@code static}
   * @param certificateProviderInstances the certificate provider instance names TLS contexts may use
   */
  public static Result decode(List<io.envoyproxy.envoy.config.listener.v3.Listener> listeners,
      List<io.envoyproxy.envoy.config.cluster.v3.Cluster> clusters, String version,
      java.util.Set<String> certificateProviderInstances) {
    ResourceDecoder decoder = new ResourceDecoder();
    TypeState lds = run(decoder, new ListenerResourceType(), listeners, version);
    TypeState cds = run(decoder, new ClusterResourceType(certificateProviderInstances), clusters, version);
    List<ClientStatus.Resource> records = new ArrayList<>(lds.records.values());
    records.addAll(cds.records.values());
    XdsResources resources = new XdsResources(lds.valuesOf(io.bowline.api.config.Listener.class), Map.of(), cds.valuesOf(), Map.of(), true);
    List<ResourceDump> dump = new ArrayList<>(lds.dump());
    dump.addAll(cds.dump());
    return new Result(resources, new ClientStatus(true,
        Map.of(TypeUrls.LISTENER, version, TypeUrls.CLUSTER, version), records), List.copyOf(dump));
  }

  private static TypeState run(ResourceDecoder decoder, ResourceType<?, ?> type, List<? extends Message> protos,
      String version) {
    TypeState s = new TypeState(type, true);
    ResourceDecoder.Decoded d = new ResourceDecoder.Decoded();
    for (int i = 0; i < protos.size(); i++) {
      decoder.decode(type, Any.pack(protos.get(i)), null, i, d);
    }
    d.accepted.forEach((name, value) -> {
      s.put(name, value);
      s.keepRaw(name, d.acceptedRaw.get(name), null);
      s.record(name, version, ClientStatus.State.ACKED, null);
    });
    d.rejected.forEach((name, error) -> {
      s.keepRaw(name, null, d.rejectedRaw.get(name));
      s.record(name, version, ClientStatus.State.NACKED, error);
    });
    if (d.unnamed > 0) {
      throw new IllegalArgumentException(String.join("; ", d.errors));
    }
    return s;
  }
}
