package io.bowline.runtime.tls;

import static io.bowline.runtime.testing.EnvoyResources.ADS;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.bowline.tls.Pem;
import io.bowline.tls.WorkloadCertificate;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * Envoy's cluster warming, over a real ADS stream (java-control-plane) whose server sends a cluster's SDS secrets only
 * after the cluster: a cluster whose transport socket's secret has not arrived is not used yet; {@code awaitReady} and
 * the first call wait for it (bounded by the initial fetch timeout) instead of answering 503 {@code UF} because the
 * client certificate is still on its way. Holds for the first configuration and for a cluster added later.
 */
class ClusterWarmingTest {
  private static final String SECURE = "secure.default.svc.cluster.local";
  private static final String SECURE_CLUSTER = "outbound|80||" + SECURE;
  private static final String PLAIN = "plain.default.svc.cluster.local";
  private static final String PLAIN_CLUSTER = "outbound|80||" + PLAIN;
  private final MeshPki pki = new MeshPki();

  /** An EDS cluster whose certificate and roots come over SDS ({@code <prefix>-cert}, {@code <prefix>-roots}). */
  private static Cluster sdsCluster(String name, String secretPrefix) {
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName(secretPrefix + "-cert").setSdsConfig(ADS))
        .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName(secretPrefix + "-roots")
            .setSdsConfig(ADS))).build();
    return edsCluster(name, Cluster.LbPolicy.ROUND_ROBIN).toBuilder().setTransportSocket(TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls))).build();
  }

  /** The two secrets of {@link #sdsCluster}: productpage's certificate and the mesh roots. */
  private static List<Secret> secrets(String secretPrefix, WorkloadCertificate c) {
    return List.of(
        Secret.newBuilder().setName(secretPrefix + "-cert").setTlsCertificate(TlsCertificate.newBuilder()
            .setCertificateChain(DataSource.newBuilder().setInlineString(Pem.encode(c.chain())))
            .setPrivateKey(DataSource.newBuilder().setInlineString(Pem.encode(c.privateKey())))).build(),
        Secret.newBuilder().setName(secretPrefix + "-roots").setValidationContext(CertificateValidationContext
            .newBuilder().setTrustedCa(DataSource.newBuilder().setInlineString(Pem.encode(c.trustBundle())))).build());
  }

  /** The xDS resources routing {@code secure} (and {@code plain}, when its port is given). */
  private static final class Config {
    final List<Cluster> clusters = new ArrayList<>();
    final List<ClusterLoadAssignment> assignments = new ArrayList<>();
    final List<Listener> listeners = new ArrayList<>();
    final List<RouteConfiguration> routes = new ArrayList<>();

    Config add(String fqdn, Cluster cluster, int port) {
      clusters.add(cluster);
      assignments.add(endpoints(cluster.getName(), port));
      listeners.add(listener(fqdn, 80));
      routes.add(routes(fqdn, 80, toCluster(prefix(""), cluster.getName())));
      return this;
    }

    Snapshot snapshot(List<Secret> secrets, String version) {
      return Snapshot.create(clusters, assignments, listeners, routes, secrets, version);
    }
  }

  private static boolean secretRequested(XdsTestServer xds, String name) {
    return xds.requests().stream().anyMatch(r -> r.getTypeUrl().equals(TypeUrls.SECRET)
        && r.getResourceNamesList().contains(name));
  }

  /** Whether the client holds (ACKed) a resource of the type whose URL ends with {@code type}, named for {@code fqdn}. */
  private static boolean holds(MeshClient mesh, String type, String fqdn) {
    return mesh.status().resources().stream().anyMatch(r -> r.typeUrl().endsWith(type) && r.name().contains(fqdn)
        && !r.version().isEmpty());
  }

  private static CompletableFuture<String> callAsync(OkHttpClient http, String host) {
    return CompletableFuture.supplyAsync(() -> {
      try (Response r = http.newCall(new Request.Builder().url("http://" + host + "/").build()).execute()) {
        return r.code() + " " + r.body().string();
      } catch (Exception e) {
        return e.toString();
      }
    });
  }

  @Test
  void theFirstCallAndAwaitReadyWaitForASecretThatArrivesAfterItsCluster() throws Exception {
    try (MtlsUpstreams.Server server = new MtlsUpstreams.Server(pki, "secure", "secure-body");
        XdsTestServer xds = new XdsTestServer()) {
      Config config = new Config().add(SECURE, sdsCluster(SECURE_CLUSTER, "mesh"), server.port());
      xds.set(config.snapshot(List.of(), "1"));
      try (MeshClient mesh = MeshClient.builder().workload("productpage", "default").xdsServer(xds.address())
          .build()) {
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        await().atMost(Duration.ofSeconds(20)).until(() -> secretRequested(xds, "mesh-cert"));
        CompletableFuture<String> first = callAsync(http, "secure");
        await("the first call is held while its secret is on its way").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !first.isDone());

        xds.set(config.snapshot(secrets("mesh", pki.issue("productpage")), "2"));
        mesh.awaitReady(Duration.ofSeconds(20));
        assertThat(first.get(20, TimeUnit.SECONDS)).isEqualTo("200 secure-body");
        assertThat(server.callerId.get(5, TimeUnit.SECONDS)).isEqualTo(MeshPki.id("productpage").uri());
      }
    }
  }

  @Test
  void aClusterAddedLaterWarmsUntilItsSecretArrivesAndItsFirstCallWaitsInsteadOfFailingWithUf() throws Exception {
    try (MtlsUpstreams.Server server = new MtlsUpstreams.Server(pki, "secure", "secure-body");
        ScriptedHttpServer plain = new ScriptedHttpServer("plain");
        XdsTestServer xds = new XdsTestServer()) {
      Config config = new Config().add(PLAIN, edsCluster(PLAIN_CLUSTER, Cluster.LbPolicy.ROUND_ROBIN), plain.port());
      xds.set(config.snapshot(List.of(), "1"));
      try (MeshClient mesh = MeshClient.builder().workload("productpage", "default").xdsServer(xds.address())
          .build()) {
        mesh.awaitReady(Duration.ofSeconds(20));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        assertThat(callAsync(http, "plain").get(20, TimeUnit.SECONDS)).startsWith("200");

        config.add(SECURE, sdsCluster(SECURE_CLUSTER, "later"), server.port());
        xds.set(config.snapshot(List.of(), "2"));
        await().atMost(Duration.ofSeconds(20)).until(() -> secretRequested(xds, "later-cert")
            && mesh.status().versionOf(TypeUrls.CLUSTER).equals("2")
            && holds(mesh, "RouteConfiguration", SECURE) && holds(mesh, "ClusterLoadAssignment", SECURE));
        CompletableFuture<String> first = callAsync(http, "secure");
        await("the first call is held while its secret is on its way").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !first.isDone());

        xds.set(config.snapshot(secrets("later", pki.issue("productpage")), "3"));
        assertThat(first.get(20, TimeUnit.SECONDS)).isEqualTo("200 secure-body");
        assertThat(server.callerId.get(5, TimeUnit.SECONDS)).isEqualTo(MeshPki.id("productpage").uri());
      }
    }
  }
}
