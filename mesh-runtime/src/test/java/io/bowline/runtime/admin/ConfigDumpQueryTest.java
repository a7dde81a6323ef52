package io.bowline.runtime.admin;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.util.JsonFormat;
import io.bowline.api.MeshClient;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /config_dump?resource=&mask=&name_regex=&include_eds} over HTTP against the runtime's admin server, with
 * the semantics of Envoy's config dump handler: the elements of one repeated field, a field mask on the top-level
 * dumps or on each element (reaching into its {@code Any}), a full-match RE2 on resource names, and Envoy's 400 and
 * 404 answers.
 */
class ConfigDumpQueryTest {
  private static final String FQDN = "reviews.default.svc.cluster.local";
  private static final String V1 = clusterName(9080, "v1", FQDN);
  private static final String V2 = clusterName(9080, "v2", FQDN);
  private static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
      .add(AdminEndpointTest.TYPES.find("envoy.admin.v3.BootstrapConfigDump").getFile().getMessageTypes())
      .add(List.of(ClustersConfigDump.DynamicCluster.getDescriptor(), Cluster.getDescriptor(),
          ClusterLoadAssignment.getDescriptor(), EndpointsConfigDump.DynamicEndpointConfig.getDescriptor(),
          ListenersConfigDump.getDescriptor(), ClustersConfigDump.getDescriptor(), EndpointsConfigDump.getDescriptor()))
      .build();

  private final HttpClient client = HttpClient.newHttpClient();
  private XdsTestServer xds;
  private MeshClient mesh;

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address()).adminPort(0).build();
    xds.set(Snapshot.create(List.of(edsCluster(V1, Cluster.LbPolicy.ROUND_ROBIN),
            edsCluster(V2, Cluster.LbPolicy.LEAST_REQUEST)), List.of(endpoints(V1, 9081), endpoints(V2, 9082)),
        List.of(listener(FQDN, 9080)), List.of(routes(FQDN, 9080, weighted(prefix("/"), V1, 50, V2, 50))),
        List.of(), "1"));
    mesh.awaitReady(Duration.ofSeconds(30));
  }

  @AfterEach
  void tearDown() throws Exception {
    mesh.close();
    xds.close();
  }

  private HttpResponse<String> get(String query) throws Exception {
    int port = mesh.adminAddress().orElseThrow().getPort();
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/config_dump?" + query))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private ConfigDump dump(String query) throws Exception {
    HttpResponse<String> r = get(query);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    ConfigDump.Builder b = ConfigDump.newBuilder();
    JsonFormat.parser().usingTypeRegistry(TYPES).merge(r.body(), b);
    return b.build();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void resourceReturnsEachElementOfThatRepeatedFieldAsItsOwnConfig() throws Exception {
    List<Any> configs = dump("resource=dynamic_active_clusters").getConfigsList();
    assertThat(configs).allMatch(a -> a.is(ClustersConfigDump.DynamicCluster.class));
    assertThat(configs).extracting(a -> a.unpack(ClustersConfigDump.DynamicCluster.class).getCluster()
        .unpack(Cluster.class).getName()).containsExactlyInAnyOrder(V1, V2);
  }

  @Test
  void nameRegexKeepsOnlyResourcesWhoseNameFullyMatches() throws Exception {
    List<Any> configs = dump("resource=dynamic_active_clusters&name_regex=" + enc(".*\\|v1\\|.*")).getConfigsList();
    assertThat(configs).singleElement().satisfies(a -> assertThat(a.unpack(ClustersConfigDump.DynamicCluster.class)
        .getCluster().unpack(Cluster.class).getName()).isEqualTo(V1));
    assertThat(dump("resource=dynamic_active_clusters&name_regex=v1").getConfigsList()).as("a full match").isEmpty();
    assertThat(dump("resource=dynamic_endpoint_configs&include_eds&name_regex=" + enc(".*v2.*")).getConfigsList())
        .extracting(a -> a.unpack(EndpointsConfigDump.DynamicEndpointConfig.class).getEndpointConfig()
            .unpack(ClusterLoadAssignment.class).getClusterName()).containsExactly(V2);
  }

  @Test
  void maskWithResourceTrimsEachElementAndTheResourceInsideItsAny() throws Exception {
    List<Any> configs = dump("resource=dynamic_active_clusters&mask=" + enc("cluster.name,version_info"))
        .getConfigsList();
    assertThat(configs).hasSize(2).allSatisfy(a -> {
      ClustersConfigDump.DynamicCluster c = a.unpack(ClustersConfigDump.DynamicCluster.class);
      assertThat(c.getVersionInfo()).isEqualTo("1");
      assertThat(c.hasLastUpdated()).as("masked out").isFalse();
      Cluster inner = c.getCluster().unpack(Cluster.class);
      assertThat(inner.getName()).isIn(V1, V2);
      assertThat(inner.hasEdsClusterConfig()).as("masked out").isFalse();
      assertThat(inner.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN); // the default, not printed
    });
  }

  @Test
  void maskAloneTrimsTheTopLevelDumpsItIsValidForAndDropsTheRest() throws Exception {
    List<Any> configs = dump("mask=" + enc("version_info")).getConfigsList();
    assertThat(configs).extracting(Any::getTypeUrl).containsExactly(
        "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "type.googleapis.com/envoy.admin.v3.ListenersConfigDump");
    assertThat(configs.get(0).unpack(ClustersConfigDump.class).getVersionInfo()).isEqualTo("1");
    assertThat(configs.get(0).unpack(ClustersConfigDump.class).getDynamicActiveClustersCount()).isZero();
  }

  @Test
  void badQueriesAreRefusedAsEnvoyRefusesThem() throws Exception {
    HttpResponse<String> notRepeated = get("resource=version_info");
    assertThat(notRepeated.statusCode()).isEqualTo(400);
    assertThat(notRepeated.body()).isEqualTo("version_info is not a repeated field. Use ?mask=version_info to get "
        + "only this field\n");
    HttpResponse<String> unknown = get("resource=no_such_field");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).isEqualTo("no_such_field not found in config dump\n");
    HttpResponse<String> badMask = get("mask=no_such_field");
    assertThat(badMask.statusCode()).isEqualTo(400);
    assertThat(badMask.body()).contains("FieldMask no_such_field could not be successfully applied to any configs.");
    assertThat(get("resource=dynamic_active_clusters&mask=" + enc("cluster.no_such_field")).statusCode())
        .isEqualTo(400);
    HttpResponse<String> badRegex = get("name_regex=" + enc("(unclosed"));
    assertThat(badRegex.statusCode()).isEqualTo(400);
    assertThat(badRegex.body()).startsWith("Error while parsing name_regex from (unclosed: ");
  }
}
