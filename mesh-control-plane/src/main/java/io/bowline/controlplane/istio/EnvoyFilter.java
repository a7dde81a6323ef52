package io.bowline.controlplane.istio;

import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An Istio {@code EnvoyFilter} (networking.istio.io v1alpha3), keeping the patches the local control plane
 * applies: the shapes of Istio's rate-limit task (see {@link EnvoyFilterPatches}). The others were reported
 * with code BLN0008 when it was read.
 *
 * @param ref where it came from
 * @param workloadSelector {@code spec.workloadSelector.labels}; empty for every workload of its namespace (of the
 *     mesh in the root namespace)
 * @param priority {@code spec.priority}: lower applies first (default 0)
 * @param patches the applied {@code spec.configPatches}, in order
 */
public record EnvoyFilter(ResourceRef ref, Map<String, String> workloadSelector, int priority,
    List<Patch> patches) {

  /** Copies the collections so the record stays immutable. */
  public EnvoyFilter {
    workloadSelector = Map.copyOf(workloadSelector);
    patches = List.copyOf(patches);
  }

  /** {@code configPatches[].applyTo} values that are applied. */
  public enum ApplyTo {
    /** An {@code HttpFilter} of an {@code HttpConnectionManager}. */
    HTTP_FILTER,
    /** A {@code Route} of a route configuration's virtual host. */
    HTTP_ROUTE,
    /** A {@code VirtualHost} of a route configuration. */
    VIRTUAL_HOST,
    /** A {@code Cluster}. */
    CLUSTER
  }

  /** {@code configPatches[].patch.operation} values that are applied. */
  public enum Operation {
    /** Proto merge of the value into each matched object. */
    MERGE,
    /** Appended (an HTTP filter, a cluster). */
    ADD,
    /** Before the matched {@code subFilter} (first without one, as istiod). */
    INSERT_BEFORE,
    /** After the matched {@code subFilter} (last without one, as istiod). */
    INSERT_AFTER,
    /** First in the list. */
    INSERT_FIRST
  }

  /**
   * One applied {@code spec.configPatches[i]}.
   *
   * @param applyTo {@code applyTo}
   * @param context {@code match.context}: {@code ANY}, {@code SIDECAR_OUTBOUND} or {@code GATEWAY}
   * @param operation {@code patch.operation}
   * @param portNumber {@code match.listener.portNumber}; empty for any listener
   * @param subFilter {@code match.listener.filterChain.filter.subFilter.name}; empty for none
   * @param vhost {@code match.routeConfiguration.vhost.name}; empty (or absent) for any virtual host
   * @param route {@code match.routeConfiguration.vhost.route.name}; empty for any route
   * @param value {@code patch.value} as the xDS message it patches ({@code HttpFilter}, {@code Route},
   *     {@code VirtualHost}, {@code Cluster})
   * @param field where the patch is written, for diagnostics
   */
  public record Patch(ApplyTo applyTo, String context, Operation operation, OptionalInt portNumber,
      Optional<String> subFilter, Optional<String> vhost, Optional<String> route, Message value, String field) {}
}
