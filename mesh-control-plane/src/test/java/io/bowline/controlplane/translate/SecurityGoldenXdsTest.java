package io.bowline.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.util.JsonFormat;
import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files for the shared Istio security task fixtures ({@code istio.io__tasks__security__*}): each, with
 * the workloads it is written for (test resources {@code security/workloads.yaml} and Bookinfo's services), →
 * the inbound listener {@code xds.istio.io/grpc/lds/inbound/0.0.0.0:<port>} of every workload (the listeners
 * for the workload's own IPs and {@code [::]} differ only in name and address) and the clusters that carry
 * TLS, as JSON in {@code src/test/resources/golden/security/}. Regenerate with
 * {@code -Dbowline.golden.update=true} and review the diff.
 */
class SecurityGoldenXdsTest {

  private static final Path GOLDEN_DIR = Path.of("src", "test", "resources", "golden", "security");
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
          .add(com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor())
          .add(HttpConnectionManager.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor())
          .add(Router.getDescriptor())
          .add(RBAC.getDescriptor())
          .add(DownstreamTlsContext.getDescriptor())
          .add(UpstreamTlsContext.getDescriptor())
          .build());
  /** The workloads, by the label diagnostics name them with. */
  private static final Map<String, ClientView> WORKLOADS = new LinkedHashMap<>();

  static {
    WORKLOADS.put("bar/httpbin-v1", new ClientView("bar", Map.of("app", "httpbin", "version", "v1")));
    WORKLOADS.put("foo/sleep", new ClientView("foo", Map.of("app", "sleep")));
    WORKLOADS.put("istio-system/ingressgateway", new ClientView("istio-system", Map.of("istio", "ingressgateway")));
    for (String app : List.of("productpage", "details", "reviews", "ratings")) {
      WORKLOADS.put("default/" + app + "-v1", new ClientView("default", Map.of("app", app, "version", "v1")));
    }
  }

  private static List<Path> fixtures() {
    try (Stream<Path> files = Files.list(TestConfigs.istioFixtures())) {
      return files.filter(f -> f.getFileName().toString().startsWith("istio.io__tasks__security__")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @TestFactory
  Stream<DynamicTest> securityFixturesTranslateToTheGoldenXds() {
    return fixtures().stream().map(fixture -> DynamicTest.dynamicTest(fixture.getFileName().toString(), () -> {
      IstioConfig config = IstioConfigLoader.loadFiles(List.of(TestConfigs.bookinfoServices(),
          TestConfigs.resource("/security/workloads.yaml"), fixture));
      String actual = render(config);
      Path golden = GOLDEN_DIR.resolve(fixture.getFileName().toString().replace(".yaml", ".json"));
      if (Boolean.getBoolean(GoldenXdsTest.UPDATE_PROPERTY)) {
        Files.createDirectories(GOLDEN_DIR);
        Files.writeString(golden, actual, StandardCharsets.UTF_8);
      }
      assertThat(golden).as("golden file (create it with -D%s=true)", GoldenXdsTest.UPDATE_PROPERTY).exists();
      assertThat(actual).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    }));
  }

  private static String render(IstioConfig config) throws IOException {
    XdsTranslator translator = new XdsTranslator();
    JsonObject root = new JsonObject();
    JsonObject inbound = new JsonObject();
    for (Map.Entry<String, ClientView> workload : WORKLOADS.entrySet()) {
      JsonArray listeners = new JsonArray();
      for (Listener listener : translator.translate(config, workload.getValue()).listeners().stream()
          .filter(l -> l.getName().startsWith("xds.istio.io/grpc/lds/inbound/0.0.0.0:"))
          .sorted(Comparator.comparing(Listener::getName)).toList()) {
        listeners.add(JsonParser.parseString(PRINTER.print(listener)));
      }
      inbound.add(workload.getKey(), listeners);
    }
    root.add("inboundListeners", inbound);
    XdsResources resources = translator.translate(config);
    JsonArray clusters = new JsonArray();
    for (Cluster cluster : resources.clusters().stream().filter(Cluster::hasTransportSocket)
        .sorted(Comparator.comparing(Cluster::getName)).toList()) {
      clusters.add(JsonParser.parseString(PRINTER.print(cluster)));
    }
    root.add("tlsClusters", clusters);
    JsonArray diagnostics = new JsonArray();
    resources.diagnostics().stream().map(Diagnostic::toString).forEach(diagnostics::add);
    root.add("diagnostics", diagnostics);
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root) + "\n";
  }
}
