package io.bowline.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files: each shared Bookinfo networking fixture, together with our Bookinfo ServiceEntries and
 * Istio's {@code destination-rule-all.yaml} (which defines the subsets the VirtualServices use), → the
 * xDS resources we emit, as JSON (protobuf JsonFormat, resources sorted by name) in
 * {@code src/test/resources/golden/}. Regenerate with {@code -Dbowline.golden.update=true} and review the
 * diff.
 */
class GoldenXdsTest {

  /** Set to {@code true} to rewrite the golden files instead of comparing. */
  static final String UPDATE_PROPERTY = "bowline.golden.update";

  private static final String DR_ALL = "samples__bookinfo__networking__destination-rule-all.yaml";
  private static final Path GOLDEN_DIR = Path.of("src", "test", "resources", "golden");
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
          .add(com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor())
          .add(HttpConnectionManager.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor())
          .add(Router.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.getDescriptor())
          .build());

  @TestFactory
  Stream<DynamicTest> bookinfoFixturesTranslateToTheGoldenXds() {
    return TestConfigs.bookinfoNetworkingFixtures().stream().map(fixture -> DynamicTest.dynamicTest(
        fixture.getFileName().toString(), () -> {
          // a fixture that redefines Bookinfo's DestinationRules (destination-rule-all-mtls) stands alone
          Set<Path> files = new LinkedHashSet<>(fixture.getFileName().toString().contains("destination-rule-all")
              ? List.of(TestConfigs.bookinfoServices(), fixture)
              : List.of(TestConfigs.bookinfoServices(), TestConfigs.istioFixture(DR_ALL), fixture));
          XdsResources resources = new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.copyOf(files)));
          assertGolden(GOLDEN_DIR.resolve(fixture.getFileName().toString().replace(".yaml", ".json")),
              render(resources));
        }));
  }

  /** Compares {@code actual} with the golden file, or rewrites the file with {@code -Dbowline.golden.update=true}. */
  static void assertGolden(Path golden, String actual) throws IOException {
    if (Boolean.getBoolean(UPDATE_PROPERTY)) {
      Files.createDirectories(golden.getParent());
      Files.writeString(golden, actual, StandardCharsets.UTF_8);
    }
    assertThat(golden).as("golden file (create it with -D%s=true)", UPDATE_PROPERTY).exists();
    assertThat(actual).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
  }

  /** The resources as pretty JSON: one array per type, sorted by name, then the diagnostics as text. */
  static String render(XdsResources resources) throws IOException {
    JsonObject root = new JsonObject();
    root.add("listeners", array(resources.listeners(), l -> l.getName()));
    root.add("routeConfigurations", array(resources.routeConfigurations(), r -> r.getName()));
    root.add("clusters", array(resources.clusters(), c -> c.getName()));
    root.add("endpoints", array(resources.endpoints(), e -> e.getClusterName()));
    JsonArray diagnostics = new JsonArray();
    resources.diagnostics().stream().map(Diagnostic::toString).forEach(diagnostics::add);
    root.add("diagnostics", diagnostics);
    return new com.google.gson.GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root)
        + "\n";
  }

  private static <T extends Message> JsonArray array(List<T> messages, Function<T, String> name)
      throws InvalidProtocolBufferException {
    JsonArray array = new JsonArray();
    for (T message : messages.stream().sorted(Comparator.comparing(name)).toList()) {
      array.add(JsonParser.parseString(PRINTER.print(message)));
    }
    return array;
  }
}
