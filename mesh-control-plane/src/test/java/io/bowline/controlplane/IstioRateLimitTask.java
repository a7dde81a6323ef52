package io.bowline.controlplane;

/**
 * The EnvoyFilters of Istio's task "Enabling Rate Limits using Envoy" (istio.io), written in the task's shapes
 * with {@link String#formatted} parameters where a test adapts them to loopback.
 */
public final class IstioRateLimitTask {
  private IstioRateLimitTask() {}

  /**
   * The task's local rate limit, in the context of a Bowline client's outbound calls, for {@code app: productpage}.
   * Parameters: namespace, the listener bucket's {@code max_tokens} and {@code tokens_per_fill}, the virtual host
   * the per-route bucket merges into, that bucket's {@code max_tokens} and {@code tokens_per_fill}.
   */
  public static final String LOCAL = """
      apiVersion: networking.istio.io/v1alpha3
      kind: EnvoyFilter
      metadata: {name: filter-local-ratelimit-svc, namespace: %s}
      spec:
        workloadSelector:
          labels: {app: productpage}
        configPatches:
          - applyTo: HTTP_FILTER
            match:
              context: SIDECAR_OUTBOUND
              listener:
                filterChain:
                  filter:
                    name: "envoy.filters.network.http_connection_manager"
                    subFilter: {name: "envoy.filters.http.router"}
            patch:
              operation: INSERT_BEFORE
              value:
                name: envoy.filters.http.local_ratelimit
                typed_config:
                  "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                  type_url: type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                  value:
                    stat_prefix: http_local_rate_limiter
                    token_bucket: {max_tokens: %d, tokens_per_fill: %d, fill_interval: 60s}
                    filter_enabled:
                      runtime_key: local_rate_limit_enabled
                      default_value: {numerator: 100, denominator: HUNDRED}
                    filter_enforced:
                      runtime_key: local_rate_limit_enforced
                      default_value: {numerator: 100, denominator: HUNDRED}
                    response_headers_to_add:
                      - append_action: OVERWRITE_IF_EXISTS_OR_ADD
                        header: {key: x-local-rate-limit, value: 'true'}
          - applyTo: HTTP_ROUTE
            match:
              context: SIDECAR_OUTBOUND
              routeConfiguration:
                vhost:
                  name: "%s"
                  route: {action: ANY}
            patch:
              operation: MERGE
              value:
                typed_per_filter_config:
                  envoy.filters.http.local_ratelimit:
                    "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                    type_url: type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                    value:
                      stat_prefix: http_local_rate_limiter
                      token_bucket: {max_tokens: %d, tokens_per_fill: %d, fill_interval: 60s}
                      filter_enabled:
                        runtime_key: local_rate_limit_enabled
                        default_value: {numerator: 100, denominator: HUNDRED}
                      filter_enforced:
                        runtime_key: local_rate_limit_enforced
                        default_value: {numerator: 100, denominator: HUNDRED}
      """;

  /**
   * The task's global rate limit for {@code istio: ingressgateway} workloads ({@code failure_mode_deny}, domain
   * {@code ratelimit}, a {@code PATH} descriptor). Parameters: the context, the address and port of the rate
   * limit service's STATIC cluster.
   */
  public static final String GLOBAL = """
      apiVersion: networking.istio.io/v1alpha3
      kind: EnvoyFilter
      metadata: {name: filter-ratelimit, namespace: istio-system}
      spec:
        workloadSelector:
          labels: {istio: ingressgateway}
        configPatches:
          - applyTo: HTTP_FILTER
            match:
              context: %1$s
              listener:
                filterChain:
                  filter:
                    name: "envoy.filters.network.http_connection_manager"
                    subFilter: {name: "envoy.filters.http.router"}
            patch:
              operation: INSERT_BEFORE
              value:
                name: envoy.filters.http.ratelimit
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit
                  domain: ratelimit
                  failure_mode_deny: true
                  timeout: 10s
                  rate_limit_service:
                    grpc_service:
                      envoy_grpc: {cluster_name: rate_limit_cluster}
                    transport_api_version: V3
          - applyTo: CLUSTER
            match:
              cluster: {service: ratelimit.default.svc.cluster.local}
            patch:
              operation: ADD
              value:
                name: rate_limit_cluster
                type: STATIC
                connect_timeout: 10s
                lb_policy: ROUND_ROBIN
                http2_protocol_options: {}
                load_assignment:
                  cluster_name: rate_limit_cluster
                  endpoints:
                  - lb_endpoints:
                    - endpoint:
                        address:
                          socket_address: {address: %2$s, port_value: %3$d}
      ---
      apiVersion: networking.istio.io/v1alpha3
      kind: EnvoyFilter
      metadata: {name: filter-ratelimit-svc, namespace: istio-system}
      spec:
        workloadSelector:
          labels: {istio: ingressgateway}
        configPatches:
          - applyTo: VIRTUAL_HOST
            match:
              context: %1$s
              routeConfiguration:
                vhost:
                  name: ""
                  route: {action: ANY}
            patch:
              operation: MERGE
              value:
                rate_limits:
                  - actions:
                    - request_headers: {header_name: ":path", descriptor_key: "PATH"}
      """;
}
