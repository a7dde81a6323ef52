package io.bowline.controlplane.istio;

import com.google.gson.Gson;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.bowline.controlplane.DiagnosticCode;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Istio's {@code EnvoyFilter} as the local control plane reads it. It keeps the patch shapes of Istio's task
 * "Enabling Rate Limits using Envoy", in the contexts a Bowline client ({@code SIDECAR_OUTBOUND}: its API
 * listeners) or gateway ({@code GATEWAY}) has, or {@code ANY}:
 *
 * <ul>
 *   <li>{@code HTTP_FILTER} {@code INSERT_BEFORE}/{@code INSERT_AFTER}/{@code INSERT_FIRST}/{@code ADD} of
 *       {@code envoy.filters.http.local_ratelimit} or {@code envoy.filters.http.ratelimit} (typed config or
 *       {@code TypedStruct});
 *   <li>{@code HTTP_ROUTE} and {@code VIRTUAL_HOST} {@code MERGE} (for example {@code typed_per_filter_config},
 *       {@code rate_limits});
 *   <li>{@code CLUSTER} {@code ADD} (the rate limit service's cluster).
 * </ul>
 *
 * Every other patch ({@code SIDECAR_INBOUND}, other filters, {@code REMOVE}, {@code REPLACE}, listeners,
 * network filters...) and every value that is not valid xDS is reported with
 * {@link DiagnosticCode#UNSUPPORTED_ENVOY_FILTER_PATCH}, naming its {@code applyTo}, {@code patch.operation},
 * {@code match.context} and what it adds or merges, so that no patch is dropped without a word.
 */
final class EnvoyFilterPatches {
  static final String LOCAL_RATE_LIMIT = "envoy.filters.http.local_ratelimit";
  static final String RATE_LIMIT = "envoy.filters.http.ratelimit";
  private static final String HCM = "envoy.filters.network.http_connection_manager";
  private static final Set<String> CONTEXTS = Set.of("ANY", "SIDECAR_OUTBOUND", "GATEWAY");
  private static final Set<String> FILTERS = Set.of(LOCAL_RATE_LIMIT, RATE_LIMIT);
  private static final JsonFormat.Parser JSON = JsonFormat.parser().usingTypeRegistry(JsonFormat.TypeRegistry
      .newBuilder()
      .add(List.of(LocalRateLimit.getDescriptor(), RateLimit.getDescriptor(), RateLimitPerRoute.getDescriptor(),
          FilterConfig.getDescriptor(), com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor(),
          com.github.xds.type.v3.TypedStruct.getDescriptor()))
      .build());
  private static final Gson GSON = new Gson();

  private EnvoyFilterPatches() {}

  /**
   * Reads one EnvoyFilter: the patches it applies, each other one reported.
   *
   * @param spec the resource's {@code spec}
   * @return the EnvoyFilter with its applied patches (possibly none)
   */
  static EnvoyFilter parse(SpecReader spec) {
    List<SpecReader> patches = spec.objects("configPatches");
    if (patches.isEmpty()) {
      spec.info(DiagnosticCode.UNSUPPORTED_ENVOY_FILTER_PATCH, "configPatches", "EnvoyFilter without configPatches; "
          + "nothing to apply");
    }
    List<EnvoyFilter.Patch> applied = new ArrayList<>();
    for (SpecReader p : patches) {
      patch(p).ifPresent(applied::add);
    }
    return new EnvoyFilter(spec.ref(), spec.object("workloadSelector").map(s -> s.stringMap("labels"))
        .orElse(java.util.Map.of()), spec.integer("priority").orElse(0), applied);
  }

  private static Optional<EnvoyFilter.Patch> patch(SpecReader p) {
    String applyTo = p.string("applyTo").orElse("(no applyTo)");
    Optional<SpecReader> match = p.object("match");
    String context = match.flatMap(m -> m.string("context")).orElse("ANY");
    Optional<SpecReader> patch = p.object("patch");
    String operation = patch.flatMap(x -> x.string("operation")).orElse("(no operation)");
    Optional<SpecReader> value = patch.flatMap(x -> x.object("value"));
    String what = value.map(EnvoyFilterPatches::describe).orElse("");
    String named = "EnvoyFilter patch " + applyTo + " " + operation + what + " (context " + context + ")";
    Optional<Class<? extends Message>> type = supported(applyTo, operation, context, value);
    Optional<String> unevaluated = type.isEmpty() ? Optional.empty() : match.flatMap(EnvoyFilterPatches::unevaluated);
    if (unevaluated.isPresent()) {
      p.warning(DiagnosticCode.UNSUPPORTED_ENVOY_FILTER_PATCH, "match", named + " matches on "
          + unevaluated.get() + ", which the local control plane does not evaluate; ignored");
      return Optional.empty();
    }
    if (type.isEmpty()) {
      p.warning(DiagnosticCode.UNSUPPORTED_ENVOY_FILTER_PATCH, "applyTo", named
          + " is not applied by the local control plane; ignored");
      return Optional.empty();
    }
    Message message;
    try {
      Message.Builder builder = (Message.Builder) type.get().getMethod("newBuilder").invoke(null);
      JSON.merge(GSON.toJson(value.get().raw()), builder);
      message = builder.build();
    } catch (InvalidProtocolBufferException e) {
      p.warning(DiagnosticCode.UNSUPPORTED_ENVOY_FILTER_PATCH, "patch.value", named + " has no valid "
          + type.get().getSimpleName() + " value (" + e.getMessage() + "); ignored");
      return Optional.empty();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(type.get() + " has no newBuilder()", e);
    }
    if (message instanceof HttpFilter filter && !filter.hasTypedConfig()) {
      p.warning(DiagnosticCode.UNSUPPORTED_ENVOY_FILTER_PATCH, "patch.value", named + " has no typed_config; ignored");
      return Optional.empty();
    }
    Optional<SpecReader> listener = match.flatMap(m -> m.object("listener"));
    Optional<SpecReader> vhost = match.flatMap(m -> m.object("routeConfiguration")).flatMap(r -> r.object("vhost"));
    return Optional.of(new EnvoyFilter.Patch(EnvoyFilter.ApplyTo.valueOf(applyTo), context,
        EnvoyFilter.Operation.valueOf(operation),
        listener.map(l -> l.integer("portNumber")).orElse(OptionalInt.empty()),
        listener.flatMap(l -> l.object("filterChain")).flatMap(c -> c.object("filter"))
            .flatMap(f -> f.object("subFilter")).flatMap(s -> s.string("name")),
        vhost.flatMap(v -> v.string("name")).filter(n -> !n.isEmpty()),
        vhost.flatMap(v -> v.object("route")).flatMap(r -> r.string("name")).filter(n -> !n.isEmpty()),
        message, p.path()));
  }

  /** The xDS message type a patch of this shape carries, empty when the shape is not applied. */
  private static Optional<Class<? extends Message>> supported(String applyTo, String operation, String context,
      Optional<SpecReader> value) {
    if (!CONTEXTS.contains(context) || value.isEmpty()) {
      return Optional.empty();
    }
    switch (applyTo) {
      case "HTTP_FILTER":
        boolean insert = Set.of("INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST", "ADD").contains(operation);
        return insert && value.get().string("name").filter(FILTERS::contains).isPresent()
            ? Optional.of(HttpFilter.class) : Optional.empty();
      case "HTTP_ROUTE":
        return operation.equals("MERGE") ? Optional.of(Route.class) : Optional.empty();
      case "VIRTUAL_HOST":
        return operation.equals("MERGE") ? Optional.of(VirtualHost.class) : Optional.empty();
      case "CLUSTER":
        return operation.equals("ADD") ? Optional.of(Cluster.class) : Optional.empty();
      default:
        return Optional.empty();
    }
  }

  /**
   * The first {@code match} field that is not evaluated (so the patch would apply wider than in Istio), empty
   * when every field is: {@code context}, {@code listener.portNumber},
   * {@code listener.filterChain.filter.name} (the HttpConnectionManager) and {@code .subFilter.name},
   * {@code routeConfiguration.vhost.name}, {@code .route.name} and {@code .route.action: ANY}, and
   * {@code cluster.service} (which istiod ignores for {@code ADD}).
   */
  private static Optional<String> unevaluated(SpecReader match) {
    Optional<String> other = outside(match, Set.of("context", "listener", "routeConfiguration", "cluster"));
    if (other.isPresent()) {
      return other;
    }
    Optional<SpecReader> listener = match.object("listener");
    Optional<SpecReader> chain = listener.flatMap(l -> l.object("filterChain"));
    Optional<SpecReader> filter = chain.flatMap(c -> c.object("filter"));
    Optional<SpecReader> vhost = match.object("routeConfiguration").flatMap(r -> r.object("vhost"));
    Optional<SpecReader> route = vhost.flatMap(v -> v.object("route"));
    if (filter.flatMap(f -> f.string("name")).filter(n -> !n.equals(HCM) && !n.equals("envoy.http_connection_manager"))
        .isPresent()) {
      return Optional.of(filter.get().field("name") + " (HTTP filters live in " + HCM + ")");
    }
    if (route.flatMap(r -> r.string("action")).filter(a -> !a.equals("ANY")).isPresent()) {
      return Optional.of(route.get().field("action"));
    }
    return Stream.of(listener.flatMap(l -> outside(l, Set.of("portNumber", "filterChain"))),
            chain.flatMap(c -> outside(c, Set.of("filter"))),
            filter.flatMap(f -> outside(f, Set.of("name", "subFilter"))),
            match.object("routeConfiguration").flatMap(r -> outside(r, Set.of("vhost"))),
            vhost.flatMap(v -> outside(v, Set.of("name", "route"))),
            route.flatMap(r -> outside(r, Set.of("name", "action"))),
            match.object("cluster").flatMap(c -> outside(c, Set.of("service"))))
        .flatMap(Optional::stream).findFirst();
  }

  /** The first field of {@code reader} not in {@code known}, by its path. */
  private static Optional<String> outside(SpecReader reader, Set<String> known) {
    return reader.keys().stream().filter(k -> !known.contains(k) && reader.has(k)).findFirst().map(reader::field);
  }

  /** What a patch value adds: its {@code name} (a filter, a cluster), else the fields it merges. */
  private static String describe(SpecReader value) {
    if (value.has("name") && value.string("name").isPresent()) {
      return " " + value.string("name").get();
    }
    List<String> keys = value.keys();
    return keys.isEmpty() ? "" : " of " + String.join(", ", keys);
  }
}
