package io.bowline.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.bowline.controlplane.TestConfigs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code analyze} on the EnvoyFilters of Istio's rate-limit task ("Enabling Rate Limits using
 * Envoy", written here in the task's shapes) and on patches beside them that the local control plane does
 * not apply: the task's patches are applied without a word, every other one is named with code BLN0008,
 * where it is and what it would have added.
 */
class EnvoyFilterAnalyzeTest {
  private static final String GLOBAL = """
      apiVersion: networking.istio.io/v1alpha3
      kind: EnvoyFilter
      metadata: {name: filter-ratelimit, namespace: istio-system}
      spec:
        workloadSelector: {labels: {istio: ingressgateway}}
        configPatches:
          - applyTo: HTTP_FILTER
            match:
              context: GATEWAY
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
                      envoy_grpc:
                        cluster_name: outbound|8081||ratelimit.default.svc.cluster.local
                        authority: ratelimit.default.svc.cluster.local
                    transport_api_version: V3
      ---
      apiVersion: networking.istio.io/v1alpha3
      kind: EnvoyFilter
      metadata: {name: filter-ratelimit-svc, namespace: istio-system}
      spec:
        workloadSelector: {labels: {istio: ingressgateway}}
        configPatches:
          - applyTo: VIRTUAL_HOST
            match:
              context: GATEWAY
              routeConfiguration:
                vhost: {name: "", route: {action: ANY}}
            patch:
              operation: MERGE
              value:
                rate_limits:
                  - actions:
                    - request_headers: {header_name: ":path", descriptor_key: "PATH"}
      ---
      apiVersion: networking.istio.io/v1alpha3
      kind: EnvoyFilter
      metadata: {name: filter-local-ratelimit-svc, namespace: default}
      spec:
        workloadSelector: {labels: {app: productpage}}
        configPatches:
          - applyTo: HTTP_FILTER
            match:
              context: SIDECAR_INBOUND
              listener:
                filterChain:
                  filter: {name: "envoy.filters.network.http_connection_manager"}
            patch:
              operation: INSERT_BEFORE
              value:
                name: envoy.filters.http.local_ratelimit
                typed_config:
                  "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                  type_url: type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                  value: {stat_prefix: http_local_rate_limiter}
          - applyTo: HTTP_FILTER
            match: {context: SIDECAR_OUTBOUND}
            patch:
              operation: INSERT_FIRST
              value:
                name: envoy.filters.http.lua
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
                  default_source_code: {inline_string: "function envoy_on_request(h) end"}
          - applyTo: HTTP_FILTER
            match:
              context: GATEWAY
              listener: {filterChain: {filter: {subFilter: {name: envoy.filters.http.fault}}}}
            patch: {operation: REMOVE}
      """;

  @TempDir
  Path dir;

  @Test
  void theTasksPatchesApplyAndEveryOtherPatchIsNamedWithItsCodeNeverDroppedSilently() {
    TestConfigs.write(dir, "ratelimit.yaml", GLOBAL);
    CliRun run = CliRun.of("analyze", "-o", "json", dir.toString());
    List<String> found = new ArrayList<>();
    for (JsonElement e : JsonParser.parseString(run.out()).getAsJsonObject().getAsJsonArray("diagnostics")) {
      JsonObject d = e.getAsJsonObject();
      if (d.get("code").getAsString().equals("BLN0008")) {
        found.add(d.get("severity").getAsString() + " " + d.get("name").getAsString() + " "
            + d.get("field").getAsString() + ": " + d.get("message").getAsString());
      }
    }
    String local = "WARNING filter-local-ratelimit-svc spec.configPatches";
    assertThat(found).as(run.out()).containsExactly(
        local + "[0].applyTo: EnvoyFilter patch HTTP_FILTER INSERT_BEFORE envoy.filters.http.local_ratelimit "
            + "(context SIDECAR_INBOUND) is not applied by the local control plane; ignored",
        local + "[1].applyTo: EnvoyFilter patch HTTP_FILTER INSERT_FIRST envoy.filters.http.lua "
            + "(context SIDECAR_OUTBOUND) is not applied by the local control plane; ignored",
        local + "[2].applyTo: EnvoyFilter patch HTTP_FILTER REMOVE (context GATEWAY) is not applied by the local "
            + "control plane; ignored");
  }
}
