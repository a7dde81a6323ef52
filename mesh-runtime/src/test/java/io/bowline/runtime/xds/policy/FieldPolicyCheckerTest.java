package io.bowline.runtime.xds.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.bowline.runtime.testing.EnvoyResources;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.Vhds;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ScopedRoutes;
import org.junit.jupiter.api.Test;

class FieldPolicyCheckerTest {
  @Test
  void istioShapedResourcesAreClean() {
    assertThat(FieldPolicyChecker.check(EnvoyResources.listener("a.default.svc.cluster.local", 80)).clean()).isTrue();
    assertThat(FieldPolicyChecker.check(EnvoyResources.routes("a.default.svc.cluster.local", 80,
        EnvoyResources.toCluster(EnvoyResources.prefix("/"), "c"))).clean()).isTrue();
    assertThat(FieldPolicyChecker.check(EnvoyResources.endpoints("c", 8080)).clean()).isTrue();
  }

  @Test
  void rejectedFieldsAreReportedWithTheirPathIncludingInsideTheApiListener() {
    RouteConfiguration rc = RouteConfiguration.newBuilder().setName("r")
        .setVhds(Vhds.newBuilder().setConfigSource(ConfigSource.getDefaultInstance())).build();
    assertThat(FieldPolicyChecker.check(rc).rejected()).containsExactly("vhds");

    HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
        .setScopedRoutes(ScopedRoutes.newBuilder().setName("s")).build();
    Listener l = Listener.newBuilder().setName("l")
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm))).build();
    assertThat(FieldPolicyChecker.check(l).rejected()).containsExactly("api_listener.api_listener.scoped_routes");
  }

  @Test
  void unlistedFieldsOfCoveredMessagesWarnAndIgnoredOnesDoNot() {
    var cluster = EnvoyResources.edsCluster("c", io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy.ROUND_ROBIN)
        .toBuilder().setAltStatName("x").setLrsServer(ConfigSource.getDefaultInstance()).build();
    FieldPolicyChecker.Findings f = FieldPolicyChecker.check(cluster);
    assertThat(f.warned()).containsExactly("lrs_server");
    assertThat(f.rejected()).isEmpty();
  }
}
