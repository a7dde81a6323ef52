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
 * Envoy", written here in the task's shapes): the local control plane applies no EnvoyFilter patch
 * yet, and names each one with code BLN0008, where it is and what it would have added.
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
      """;

  @TempDir
  Path dir;

  @Test
  void everyPatchOfIstiosRateLimitTaskIsNamedWithItsCodeAndNothingIsAppliedSilently() {
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
    assertThat(found).as(run.out()).containsExactly(
        "WARNING filter-ratelimit spec.configPatches[0].applyTo: EnvoyFilter patch HTTP_FILTER INSERT_BEFORE "
            + "envoy.filters.http.ratelimit (context GATEWAY) is not applied by the local control plane; ignored",
        "WARNING filter-ratelimit-svc spec.configPatches[0].applyTo: EnvoyFilter patch VIRTUAL_HOST MERGE of "
            + "rate_limits (context GATEWAY) is not applied by the local control plane; ignored");
  }
}
