package io.bowline.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.bowline.controlplane.IstioRateLimitTask;
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
  /** Beside the task's patches: an inbound one, an HTTP filter the runtime does not have, a REMOVE. */
  private static final String UNSUPPORTED = """
      apiVersion: networking.istio.io/v1alpha3
      kind: EnvoyFilter
      metadata: {name: filter-unsupported, namespace: default}
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
    TestConfigs.write(dir, "ratelimit.yaml", IstioRateLimitTask.GLOBAL.formatted("GATEWAY", "127.0.0.1", 8081)
        + "---\n" + IstioRateLimitTask.LOCAL.formatted("istio-system", 10, 10, "", 4, 4) + "---\n" + UNSUPPORTED);
    CliRun run = CliRun.of("analyze", "-o", "json", dir.toString());
    List<String> found = new ArrayList<>();
    for (JsonElement e : JsonParser.parseString(run.out()).getAsJsonObject().getAsJsonArray("diagnostics")) {
      JsonObject d = e.getAsJsonObject();
      if (d.get("code").getAsString().equals("BLN0008")) {
        found.add(d.get("severity").getAsString() + " " + d.get("name").getAsString() + " "
            + d.get("field").getAsString() + ": " + d.get("message").getAsString());
      }
    }
    String local = "WARNING filter-unsupported spec.configPatches";
    assertThat(found).as(run.out()).containsExactly(
        local + "[0].applyTo: EnvoyFilter patch HTTP_FILTER INSERT_BEFORE envoy.filters.http.local_ratelimit "
            + "(context SIDECAR_INBOUND) is not applied by the local control plane; ignored",
        local + "[1].applyTo: EnvoyFilter patch HTTP_FILTER INSERT_FIRST envoy.filters.http.lua "
            + "(context SIDECAR_OUTBOUND) is not applied by the local control plane; ignored",
        local + "[2].applyTo: EnvoyFilter patch HTTP_FILTER REMOVE (context GATEWAY) is not applied by the local "
            + "control plane; ignored");
  }
}
