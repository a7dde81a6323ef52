package io.bowline.controlplane.translate;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files for the gateway view: Istio's unchanged {@code bookinfo-gateway.yaml},
 * {@code httpbin-gateway.yaml} and {@code helloworld-gateway.yaml}, each with the services it routes to, as a
 * gateway labelled {@code istio=ingressgateway} (a router node of namespace {@code istio-system}) receives them:
 * its listeners and route configurations, as JSON in {@code src/test/resources/golden/gateway/}, then the
 * cluster names. Regenerate with {@code -Dbowline.golden.update=true} and review the diff.
 */
class GatewayGoldenXdsTest {

  private static final Path GOLDEN_DIR = Path.of("src", "test", "resources", "golden", "gateway");
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
          .add(com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor())
          .add(HttpConnectionManager.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor())
          .add(Router.getDescriptor())
          .add(HTTPFault.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor())
          .build());
  /** Each gateway fixture and the fixture (or test resource) that defines the services it routes to. */
  private static final Map<String, String> FIXTURES = Map.of(
      "samples__bookinfo__networking__bookinfo-gateway.yaml", "samples__bookinfo__platform__kube__bookinfo.yaml",
      "samples__httpbin__httpbin-gateway.yaml", "samples__httpbin__httpbin.yaml",
      "samples__helloworld__helloworld-gateway.yaml", "samples__helloworld__helloworld.yaml");

  @TestFactory
  Stream<DynamicTest> istioGatewaySamplesTranslateToTheGoldenGatewayView() {
    return FIXTURES.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(fixture -> DynamicTest.dynamicTest(fixture.getKey(), () -> {
          XdsResources resources = new XdsTranslator().translate(
              IstioConfigLoader.loadFiles(List.of(TestConfigs.istioFixture(fixture.getValue()),
                  TestConfigs.istioFixture(fixture.getKey()))),
              ClientView.router("istio-system", Map.of("istio", "ingressgateway", "app", "istio-ingressgateway")));
          GoldenXdsTest.assertGolden(GOLDEN_DIR.resolve(fixture.getKey().replace(".yaml", ".json")),
              render(resources));
        }));
  }

  private static String render(XdsResources resources) throws IOException {
    JsonObject root = new JsonObject();
    root.add("listeners", array(resources.listeners(), Listener::getName));
    root.add("routeConfigurations", array(resources.routeConfigurations(), RouteConfiguration::getName));
    JsonArray clusters = new JsonArray();
    resources.clusters().stream().map(cluster -> cluster.getName()).sorted().forEach(clusters::add);
    root.add("clusters", clusters);
    JsonArray secrets = new JsonArray();
    resources.secrets().forEach(secret -> secrets.add(secret.getName()));
    root.add("secrets", secrets);
    return new com.google.gson.GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root) + "\n";
  }

  private static <T extends Message> JsonArray array(List<T> messages, Function<T, String> name) throws IOException {
    JsonArray array = new JsonArray();
    for (T message : messages.stream().sorted(Comparator.comparing(name)).toList()) {
      array.add(JsonParser.parseString(PRINTER.print(message)));
    }
    return array;
  }
}
