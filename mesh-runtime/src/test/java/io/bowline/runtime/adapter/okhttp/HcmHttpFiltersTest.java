package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.adapter.okhttp.OkHttpFaultInjectionTest.faulty;
import static io.bowline.runtime.adapter.okhttp.OkHttpFaultInjectionTest.pct;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.V1;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HCM's {@code http_filters} over a real ADS stream (Envoy, gRFC A39): the chain has the built-in
 * filters the listener names, the router last; a filter the client does not run is NACKed naming the
 * listener and the filter unless it is {@code is_optional}, then skipped.
 */
class HcmHttpFiltersTest {
  private static final String LISTENER = ResilienceFixture.FQDN + ":9080";
  private static final HTTPFault ABORT_418 = HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder()
      .setHttpStatus(418).setPercentage(pct(100, FractionalPercent.DenominatorType.HUNDRED))).build();

  private ResilienceFixture mesh;
  private ScriptedHttpServer a;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new ResilienceFixture();
    a = new ScriptedHttpServer("a");
  }

  @AfterEach
  void tearDown() throws Exception {
    a.close();
    mesh.close();
  }

  /** The listener with its HCM's {@code http_filters} rewritten by {@code edit}. */
  private static UnaryOperator<Listener> filters(UnaryOperator<List<HttpFilter>> edit) {
    return l -> {
      try {
        HttpConnectionManager hcm = l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
        hcm = hcm.toBuilder().clearHttpFilters()
            .addAllHttpFilters(edit.apply(new ArrayList<>(hcm.getHttpFiltersList()))).build();
        return l.toBuilder().setApiListener(l.getApiListener().toBuilder().setApiListener(Any.pack(hcm))).build();
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    };
  }

  private static List<HttpFilter> with(List<HttpFilter> fs, int at, HttpFilter f) {
    fs.add(at, f);
    return fs;
  }

  private static HttpFilter lua(boolean optional) {
    return HttpFilter.newBuilder().setName("example.lua").setIsOptional(optional)
        .setTypedConfig(Any.newBuilder().setTypeUrl("type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua")
            .setValue(ByteString.EMPTY))
        .build();
  }

  private String call() throws IOException {
    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/ratings/0").build()).execute()) {
      String flags = r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER);
      return r.code() + (flags == null ? "" : " [" + flags + "]");
    }
  }

  private List<String> listenerNacks() {
    return nacks(TypeUrls.LISTENER);
  }

  /** The error details of every NACK of {@code typeUrl} this client sent, over either protocol variant. */
  private List<String> nacks(String typeUrl) {
    return Stream.concat(
            mesh.xds.requests().stream().filter(r -> r.getTypeUrl().equals(typeUrl))
                .filter(DiscoveryRequest::hasErrorDetail).map(r -> r.getErrorDetail().getMessage()),
            mesh.xds.deltaRequests().stream().filter(r -> r.getTypeUrl().equals(typeUrl))
                .filter(DeltaDiscoveryRequest::hasErrorDetail).map(r -> r.getErrorDetail().getMessage()))
        .toList();
  }

  private void publishAndAwaitAck(UnaryOperator<Listener> listener) {
    mesh.listenerEdit = listener;
    mesh.publish(faulty(ABORT_418), cluster(V1), new int[] {a.port()});
    await().atMost(Duration.ofSeconds(10))
        .until(() -> mesh.publishedVersion().equals(mesh.ackedVersion(TypeUrls.LISTENER)));
  }

  @Test
  void aRouteFaultAppliesOnlyWhileTheListenerHasTheFaultFilter() throws Exception {
    mesh.listenerEdit = filters(fs -> fs.subList(fs.size() - 1, fs.size())); // the router alone
    mesh.publish(faulty(ABORT_418), cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call()).as("Envoy runs only the filters in http_filters").isEqualTo("200");

    publishAndAwaitAck(l -> l); // istiod's proxyless listener: fault, router
    assertThat(call()).isEqualTo("418 [FI]");

    publishAndAwaitAck(filters(fs -> fs.subList(fs.size() - 1, fs.size())));
    assertThat(call()).isEqualTo("200");
  }

  @Test
  void anOptionalFilterTheClientDoesNotRunIsSkipped() throws Exception {
    publishAndAwaitAckAfterConnect();
    publishAndAwaitAck(filters(fs -> with(fs, 0, lua(true))));
    assertThat(call()).as("the fault filter still runs, after the skipped one").isEqualTo("418 [FI]");
    assertThat(listenerNacks()).isEmpty();
  }

  @Test
  void aRequiredFilterTheClientDoesNotRunIsNackedNamingListenerAndFilterAndTheLastGoodConfigServes()
      throws Exception {
    publishAndAwaitAckAfterConnect();
    mesh.listenerEdit = filters(fs -> with(fs, 0, lua(false)));
    mesh.publish(faulty(ABORT_418), cluster(V1), new int[] {a.port()});
    await().atMost(Duration.ofSeconds(10)).until(() -> !listenerNacks().isEmpty());
    assertThat(listenerNacks().get(0)).contains(LISTENER).contains("http_filters[0]").contains("example.lua")
        .contains("envoy.extensions.filters.http.lua.v3.Lua").contains("is_optional");
    assertThat(call()).isEqualTo("418 [FI]");
  }

  @Test
  void theRouterMustBeTheLastFilter() throws Exception {
    publishAndAwaitAckAfterConnect();
    mesh.listenerEdit = filters(fs -> List.of(fs.get(1), fs.get(0))); // router, then fault
    mesh.publish(faulty(ABORT_418), cluster(V1), new int[] {a.port()});
    await().atMost(Duration.ofSeconds(10)).until(() -> !listenerNacks().isEmpty());
    assertThat(listenerNacks().get(0)).contains(LISTENER).contains("http_filters[0]")
        .contains("the router \"envoy.filters.http.router\" must be the last HTTP filter");

    mesh.listenerEdit = filters(fs -> fs.subList(0, 1)); // fault alone, no router
    mesh.publish(faulty(ABORT_418), cluster(V1), new int[] {a.port()});
    await().atMost(Duration.ofSeconds(10)).until(() -> listenerNacks().stream().anyMatch(m -> m.contains(
        LISTENER + "': api_listener.http_filters[0]: the last HTTP filter must be the router")));
    assertThat(call()).isEqualTo("418 [FI]");
  }

  @Test
  void filterNamesAreUnique() throws Exception {
    publishAndAwaitAckAfterConnect();
    mesh.listenerEdit = filters(fs -> with(fs, 0, fs.get(0)));
    mesh.publish(faulty(ABORT_418), cluster(V1), new int[] {a.port()});
    await().atMost(Duration.ofSeconds(10)).until(() -> !listenerNacks().isEmpty());
    assertThat(listenerNacks().get(0)).contains(LISTENER).contains("http_filters[1].name")
        .contains("duplicate HTTP filter \"envoy.filters.http.fault\"");
  }

  @Test
  void aPerRouteConfigForAFilterTheClientDoesNotRunIsNackedUnlessOptional() throws Exception {
    publishAndAwaitAckAfterConnect();
    Any lua = lua(false).getTypedConfig();
    Route optional = faulty(ABORT_418).toBuilder().putTypedPerFilterConfig("example.lua",
        Any.pack(FilterConfig.newBuilder().setConfig(lua).setIsOptional(true).build())).build();
    mesh.publish(optional, cluster(V1), new int[] {a.port()});
    await().atMost(Duration.ofSeconds(10))
        .until(() -> mesh.publishedVersion().equals(mesh.ackedVersion(TypeUrls.ROUTE_CONFIGURATION)));

    Route required = faulty(ABORT_418).toBuilder().putTypedPerFilterConfig("example.lua", lua).build();
    mesh.publish(required, cluster(V1), new int[] {a.port()});
    await().atMost(Duration.ofSeconds(10)).until(() -> !nacks(TypeUrls.ROUTE_CONFIGURATION).isEmpty());
    assertThat(nacks(TypeUrls.ROUTE_CONFIGURATION).get(0)).contains("outbound|9080||" + ResilienceFixture.FQDN)
        .contains("typed_per_filter_config[\"example.lua\"]")
        .contains("envoy.extensions.filters.http.lua.v3.Lua").contains("is_optional");
    assertThat(call()).isEqualTo("418 [FI]");
  }

  private void publishAndAwaitAckAfterConnect() throws Exception {
    mesh.publish(faulty(ABORT_418), cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("418 [FI]");
  }
}
