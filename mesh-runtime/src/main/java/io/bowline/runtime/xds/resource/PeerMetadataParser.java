package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bowline.api.config.PeerMetadataExchange;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code istio.metadata_exchange} HTTP filter's {@code io.istio.http.peer_metadata.Config} (a
 * {@code TypedStruct}, as istiod writes it) into a {@link PeerMetadataExchange}.
 *
 * <p>Discovery methods: {@code istio_headers} (read) and {@code workload_discovery}, which finds nothing, as in an
 * Envoy without the workload metadata discovery bootstrap extension. Propagation methods: {@code istio_headers} with
 * {@code skip_external_clusters}. {@code downstream_discovery} and {@code downstream_propagation} are read and have
 * no effect on an outbound listener (a client has no downstream peer). Anything else, {@code additional_labels}
 * and {@code shared_with_upstream: true} included, is NACKed by name: Bowline does not run it.
 */
final class PeerMetadataParser {
  private static final Set<String> FIELDS = Set.of("upstream_discovery", "upstream_propagation",
      "downstream_discovery", "downstream_propagation", "shared_with_upstream", "additional_labels");
  private static final Set<String> DISCOVERY = Set.of("istio_headers", "workload_discovery");

  private PeerMetadataParser() {}

  /**
   * @param any the filter's {@code typed_config}
   * @param at the field path of {@code any}, for errors
   * @throws ResourceException naming the field Bowline does not run, or a malformed one
   */
  static PeerMetadataExchange parse(Any any, String at) throws ResourceException {
    Struct config = TypedConfigs.typedStructValue(any, PeerMetadataExchange.TYPE, at);
    if (config == null) {
      throw new ResourceException(at, "io.istio.http.peer_metadata.Config is read from a TypedStruct only, got "
          + any.getTypeUrl());
    }
    String base = at + ".value";
    Map<String, Value> f = config.getFieldsMap();
    for (String name : f.keySet()) {
      if (!FIELDS.contains(name)) {
        throw new ResourceException(base + "." + name, "unknown field of io.istio.http.peer_metadata.Config");
      }
    }
    Value shared = f.get("shared_with_upstream");
    if (shared != null && shared.getBoolValue()) {
      throw new ResourceException(base + ".shared_with_upstream", "not supported: Bowline shares no filter state");
    }
    Value labels = f.get("additional_labels");
    if (labels != null && labels.hasListValue() && labels.getListValue().getValuesCount() > 0) {
      throw new ResourceException(base + ".additional_labels", "not supported: only Istio's standard labels are "
          + "exchanged");
    }
    methods(f.get("downstream_discovery"), base + ".downstream_discovery", DISCOVERY);
    methods(f.get("downstream_propagation"), base + ".downstream_propagation", Set.of("istio_headers"));
    boolean discovery = methods(f.get("upstream_discovery"), base + ".upstream_discovery", DISCOVERY)
        .contains("istio_headers");
    List<Struct> propagation = methodConfigs(f.get("upstream_propagation"), base + ".upstream_propagation");
    boolean propagate = false;
    boolean skipExternal = false;
    for (int i = 0; i < propagation.size(); i++) {
      propagate = true;
      Map<String, Value> h = propagation.get(i).getFieldsMap();
      String path = base + ".upstream_propagation[" + i + "].istio_headers";
      for (Map.Entry<String, Value> e : h.entrySet()) {
        if (!e.getKey().equals("skip_external_clusters")) {
          throw new ResourceException(path + "." + e.getKey(), "unknown field of IstioHeaders");
        }
        if (!e.getValue().hasBoolValue()) {
          throw new ResourceException(path + ".skip_external_clusters", "must be a bool");
        }
        skipExternal |= e.getValue().getBoolValue();
      }
    }
    return new PeerMetadataExchange(discovery, propagate, skipExternal);
  }

  /** The method names of a list of one-key objects, each checked against {@code known}. */
  private static List<String> methods(Value list, String at, Set<String> known) throws ResourceException {
    if (list == null || list.hasNullValue()) {
      return List.of();
    }
    if (!list.hasListValue()) {
      throw new ResourceException(at, "must be a list");
    }
    List<Value> values = list.getListValue().getValuesList();
    String[] names = new String[values.size()];
    for (int i = 0; i < values.size(); i++) {
      Value v = values.get(i);
      if (!v.hasStructValue() || v.getStructValue().getFieldsCount() != 1) {
        throw new ResourceException(at + "[" + i + "]", "must be an object with one method");
      }
      String name = v.getStructValue().getFieldsMap().keySet().iterator().next();
      if (!known.contains(name)) {
        throw new ResourceException(at + "[" + i + "]." + name, "method not supported (supported: "
            + String.join(", ", known.stream().sorted().toList()) + ")");
      }
      names[i] = name;
    }
    return List.of(names);
  }

  /** The {@code istio_headers} configs of a propagation list. */
  private static List<Struct> methodConfigs(Value list, String at) throws ResourceException {
    List<String> names = methods(list, at, Set.of("istio_headers"));
    Struct[] out = new Struct[names.size()];
    for (int i = 0; i < out.length; i++) {
      Value v = list.getListValue().getValues(i).getStructValue().getFieldsMap().get("istio_headers");
      if (!v.hasStructValue()) {
        throw new ResourceException(at + "[" + i + "].istio_headers", "must be an object");
      }
      out[i] = v.getStructValue();
    }
    return List.of(out);
  }
}
