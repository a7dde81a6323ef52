package io.bowline.runtime.tls;

import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.tls.SpiffeTls;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mesh gRPC call over an ISTIO_MUTUAL cluster carries the route's {@code :authority} (as Envoy sends the route's host
 * upstream), which is not the endpoint channel's authority: grpc-netty then checks that authority against the server's
 * certificate (its per-RPC authority check, {@code X509AuthorityVerifier}) once per connection and authority, and the
 * mesh's SPIFFE trust manager passes it (the SPIFFE ID is the identity, not a host name), so nothing is logged and
 * nothing would fail once grpc-java enforces the check ({@code GRPC_ENABLE_PER_RPC_AUTHORITY_CHECK}). The SAN check
 * stays per handshake: {@link UpstreamMtlsTest#aGrpcCallToAServerWithTheWrongIdentityFailsUnavailableAndReachesNothing}.
 */
class GrpcRouteAuthorityOverTlsTest {
  private static final String SVC = "reviews.default.svc.cluster.local";
  private static final String CLUSTER = "outbound|9080||" + SVC;
  private static final int CALLS = 50;

  @TempDir Path certs;
  private final MeshPki pki = new MeshPki();
  private final List<String> authorities = new CopyOnWriteArrayList<>();
  private final Set<SSLSession> sessions = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  // grpc-netty's logger for its per-RPC authority check (held: JUL keeps loggers weakly)
  private final Logger nettyClient = Logger.getLogger("io.grpc.netty.NettyClientHandler");
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      if (String.valueOf(r.getMessage()).contains("authority")) {
        warnings.add(r.getMessage());
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  @Test
  void everyCallCarriesTheRouteAuthorityOnOneConnectionAndPassesGrpcNettysPerRpcAuthorityCheck() throws Exception {
    MeshPki.write(certs, pki.issue("productpage"));
    Server server = reviews();
    nettyClient.addHandler(capture);
    try (XdsTestServer xds = new XdsTestServer()) {
      xds.set(Snapshot.create(
          List.of(UpstreamMtlsTest.tlsCluster(UpstreamMtlsTest.istioMutual(List.of(MeshPki.id("reviews").uri()),
              "outbound_.9080_._." + SVC))),
          List.of(endpoints(CLUSTER, server.getPort())), List.of(listener(SVC, 9080)),
          List.of(routes(SVC, 9080, toCluster(prefix(""), CLUSTER))), List.of(), "1"));
      try (MeshClient mesh = MeshClient.builder().bootstrapJson(MeshPki.bootstrap(xds.address(), certs, "600s"))
          .build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        ManagedChannel channel = BowlineGrpc.channel(mesh, "xds:///" + SVC + ":9080");
        for (int i = 0; i < CALLS; i++) {
          assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()).getStatus())
              .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        }
      }
    } finally {
      nettyClient.removeHandler(capture);
      server.shutdownNow();
    }

    assertThat(authorities).as(":authority on the wire").hasSize(CALLS).containsOnly(SVC + ":9080");
    assertThat(sessions).as("TLS sessions (one handshake, the connection pooled)").hasSize(1);
    assertThat(warnings).as("grpc-netty's per-RPC authority check passed").isEmpty();
  }

  /** A TLS gRPC server presenting {@code reviews}' SPIFFE ID that records each call's authority and TLS session. */
  private Server reviews() throws Exception {
    SpiffeTls tls = MeshPki.serverTls(pki.issue("reviews"));
    ServerInterceptor record = new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        authorities.add(call.getAuthority());
        sessions.add(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        return next.startCall(call, headers);
      }
    };
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), TlsServerCredentials.newBuilder()
            .keyManager(tls.keyManager()).trustManager(tls.trustManager())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build())
        .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), record))
        .build().start();
  }
}
