package io.bowline.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.DiagnosticCode;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every message code of docs/analyze-codes.md is documented, and each is produced by the input it names. */
class DiagnosticCodesTest {

  private static final String SERVICE_ENTRY = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: %s}
      spec:
        hosts: [%s]
        location: MESH_EXTERNAL
        addresses: [240.0.0.1]
        ports: [{number: 80, name: http}]
        resolution: STATIC
        endpoints: [{address: %s}]
      """;

  private static final String GATEWAY = """
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: {name: %s}
      spec:
        selector: {istio: ingressgateway}
        servers:
        - port: {number: %d, name: %s, protocol: %s}
          hosts: [bookinfo.example.com]
      """;

  @TempDir
  Path dir;

  @BeforeEach
  void writeServices() throws IOException {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("00-services.yaml"));
  }

  @Test
  void theDocumentedTableListsExactlyTheCodes() throws IOException {
    String doc = Files.readString(Path.of("../docs/analyze-codes.md"));
    List<String> documented = new ArrayList<>();
    Matcher row = Pattern.compile("(?m)^\\| ((?:IST|BLN)\\d{4}) \\| (\\w+) \\|").matcher(doc);
    while (row.find()) {
      documented.add(row.group(1) + " " + row.group(2));
    }
    assertThat(documented).containsExactlyElementsOf(
        Arrays.stream(DiagnosticCode.values()).map(code -> code.id() + " " + code.title()).toList());
  }

  @ParameterizedTest
  @EnumSource(value = DiagnosticCode.class, mode = EnumSource.Mode.EXCLUDE, names = "INTERNAL_ERROR")
  void eachCodeIsProducedByTheInputItNames(DiagnosticCode code) {
    TestConfigs.write(dir, "case.yaml", switch (code) {
      case REFERENCED_RESOURCE_NOT_FOUND -> route("{host: reviews, subset: v9}");
      case SCHEMA_VALIDATION_ERROR -> SERVICE_ENTRY.formatted("ext", "ext.example.com", "999.1.1.1");
      case INVALID_REGEXP -> """
          apiVersion: networking.istio.io/v1
          kind: VirtualService
          metadata: {name: reviews}
          spec:
            hosts: [reviews]
            http: [{match: [{uri: {regex: "(unclosed"}}], route: [{destination: {host: reviews}}]}]
          """;
      case SCHEMA_WARNING -> route("{host: reviews, port: {number: 1234}}");
      case UNREADABLE_FILE -> "spec: [unclosed\n";
      case UNKNOWN_KIND -> route("{host: reviews}").replace("kind: VirtualService", "kind: virtualservice");
      case NOT_TRANSLATED -> route("{host: reviews}") + "  tls: [{match: [{sniHosts: [reviews]}], route: [{destination: {host: reviews}}]}]\n";
      case IGNORED -> SERVICE_ENTRY.formatted("ext", "ext.example.com", "10.0.0.1");
      case DUPLICATE_RESOURCE -> route("{host: reviews}") + "---\n" + route("{host: reviews}");
      case CONFLICT -> route("{host: reviews}") + "---\n" + route("{host: reviews}").replace("{name: reviews}",
          "{name: reviews-2}");
      case REFERENCE_SKIPPED -> route("{host: nowhere}");
      case INVALID_TELEMETRY_PROVIDER -> """
          apiVersion: telemetry.istio.io/v1
          kind: Telemetry
          metadata: {name: mesh-default, namespace: istio-system}
          spec:
            tracing: [{providers: [{name: jaeger}]}]
          """;
      case VIRTUAL_SERVICE_HOST_NOT_FOUND_IN_GATEWAY -> GATEWAY.formatted("ingress", 80, "http", "HTTP") + """
          ---
          apiVersion: networking.istio.io/v1
          kind: VirtualService
          metadata: {name: shop}
          spec:
            hosts: [shop.example.com]
            gateways: [ingress]
            http: [{route: [{destination: {host: reviews}}]}]
          """;
      case CONFLICTING_GATEWAYS -> GATEWAY.formatted("plain", 443, "http", "HTTP") + "---\n"
          + GATEWAY.formatted("secure", 443, "https", "HTTPS") + "    tls: {mode: ISTIO_MUTUAL}\n";
      case UNSUPPORTED_ENVOY_FILTER_PATCH -> """
          apiVersion: networking.istio.io/v1alpha3
          kind: EnvoyFilter
          metadata: {name: filter-ratelimit}
          spec:
            configPatches:
            - applyTo: HTTP_FILTER
              match: {context: GATEWAY}
              patch: {operation: INSERT_BEFORE, value: {name: envoy.filters.http.ratelimit}}
          """;
      default -> throw new IllegalArgumentException(code.name());
    });
    CliRun run = CliRun.of("analyze", "-o", "json", dir.toString());

    List<String> codes = new ArrayList<>();
    for (JsonElement d : JsonParser.parseString(run.out()).getAsJsonObject().getAsJsonArray("diagnostics")) {
      codes.add(d.getAsJsonObject().get("code").getAsString());
    }
    assertThat(codes).as(run.out()).contains(code.id());
  }

  @Test
  void aFailureInsideAReloadIsAnInternalErrorThatNamesTheVersionStillServed() throws Exception {
    TestConfigs.write(dir, "case.yaml", route("{host: reviews}"));
    AtomicBoolean failOnce = new AtomicBoolean(true);
    List<Diagnostic> reported = new ArrayList<>();
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir)
        .onReload((publishedNew, served, diagnostics) -> {
          if (publishedNew && failOnce.getAndSet(false)) {
            throw new IllegalStateException("a listener bug");
          }
          reported.addAll(diagnostics);
        })
        .start()) {
      assertThat(reported).singleElement().satisfies(d -> {
        assertThat(d.code()).isEqualTo(DiagnosticCode.INTERNAL_ERROR.id());
        assertThat(d.message()).contains("IllegalStateException", "version 1 keeps serving");
      });
      assertThat(controlPlane.reload()).isTrue();
    }
  }

  private static String route(String destination) {
    return TestConfigs.reviewsRoute("reviews", destination);
  }
}
