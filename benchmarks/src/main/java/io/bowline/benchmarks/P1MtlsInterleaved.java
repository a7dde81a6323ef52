package io.bowline.benchmarks;

import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.bowline.tls.SpiffeTls;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import okhttp3.ConnectionSpec;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Issue 15's mTLS benchmark: what the mesh adds to a call with mutual TLS, against a direct client with the same TLS
 * (the same workload identity and trust bundle, SPIFFE verification with the same SAN matcher, TLS only), both with
 * pooled connections, to a real loopback TLS server ({@link MtlsFixture}); OkHttp 1 KB GETs and gRPC unary health
 * checks, in {@link P1Interleaved}'s interleaved rounds and table (paired added p50 with its 95 % interval). Then
 * handshakes per 1,000 calls per client: the TLS sessions each server saw from that client's certificate (one per
 * connection, full or resumed) over every call the client made, warm-up included. A third gRPC client, the direct one
 * whose calls carry the mesh's {@code :authority} (the route's host, not the channel's), prices grpc-netty's per-RPC
 * authority check, the one TLS-only step a mesh call takes that a direct call does not. A second direct client per
 * adapter ("direct A/A", the same TLS with a certificate of its own serial) reads the run's noise floor. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1MtlsInterleaved [rounds] [OkHttp|gRPC]}.
 */
public final class P1MtlsInterleaved {
  static final String OKHTTP_DIRECT = "OkHttp mTLS GET, direct";
  /** A second direct client with the same TLS and a certificate of its own serial: the A/A row (≈ 0 if fair). */
  static final String OKHTTP_DIRECT_AA = "OkHttp mTLS GET, direct A/A";
  static final String OKHTTP_MESH = "OkHttp mTLS GET, mesh";
  static final String GRPC_DIRECT = "gRPC mTLS unary, direct";
  /** A second direct gRPC channel with the same TLS and a certificate of its own serial: the A/A row. */
  static final String GRPC_DIRECT_AA = "gRPC mTLS unary, direct A/A";
  static final String GRPC_MESH = "gRPC mTLS unary, mesh";
  /** The direct client's TLS channel whose calls carry the mesh's {@code :authority} (grpc-netty's per-RPC check). */
  static final String GRPC_ROUTE_AUTHORITY = "gRPC mTLS, direct+:authority";

  private P1MtlsInterleaved() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 150;
    String only = args.length > 1 ? args[1] : "";
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    try (MtlsFixture fixture = new MtlsFixture()) {
      Map<String, Callable<Object>> clients = clients(fixture, only);
      P1Interleaved.run("P1 mTLS interleaved", clients, rounds, loadBefore);
      long calls = (long) (rounds / 3 + rounds) * P1Interleaved.callsPerRound();
      System.out.printf("%nhandshakes per 1,000 calls (TLS sessions the server saw per client certificate, %d calls each)%n",
          calls);
      for (String name : clients.keySet()) {
        var certificate = name.endsWith("direct") ? fixture.direct : name.endsWith("A/A") ? fixture.secondDirect
            : name.equals(GRPC_ROUTE_AUTHORITY) ? fixture.routeAuthority : fixture.meshed;
        int handshakes = name.startsWith("OkHttp") ? fixture.httpHandshakes(certificate) : fixture.grpcHandshakes(certificate);
        String cipher = name.startsWith("OkHttp") ? "" : "  " + fixture.grpcCipher(certificate);
        System.out.printf("%-28s %10.3f  (%d handshakes)%s%n", name, handshakes * 1000.0 / calls, handshakes, cipher);
      }
    }
    System.exit(0); // the JDK HTTP server's executor threads would keep the JVM alive
  }

  /**
   * The clients measured, by name: for each adapter whose name starts with {@code only} ("" for both), the direct
   * client with the same TLS and the mesh client, to {@code fixture}'s servers; each has made one good call. Their
   * channels and pools close with the JVM.
   */
  static Map<String, Callable<Object>> clients(MtlsFixture fixture, String only) throws Exception {
    Map<String, Callable<Object>> clients = new LinkedHashMap<>();
    if (OKHTTP_DIRECT.startsWith(only)) {
      OkHttpClient meshHttp = BowlineOkHttp.install(fixture.mesh, new OkHttpClient.Builder()).build();
      String url = "https://127.0.0.1:" + fixture.https.getAddress().getPort() + "/items/1";
      clients.put(OKHTTP_DIRECT, get(directHttp(fixture.clientTls), url));
      clients.put(OKHTTP_DIRECT_AA, get(directHttp(fixture.secondDirectTls), url));
      clients.put(OKHTTP_MESH, get(meshHttp, "http://" + MtlsFixture.HTTP_HOST + "/items/1"));
    }
    if (GRPC_DIRECT.startsWith(only)) {
      ManagedChannel meshed = (ManagedChannel) BowlineGrpc.channel(fixture.mesh, MtlsFixture.GRPC_HOST + ":80");
      clients.put(GRPC_DIRECT, P1Clients.check(HealthGrpc.newBlockingStub(directGrpc(fixture, fixture.clientTls))));
      clients.put(GRPC_DIRECT_AA, P1Clients.check(HealthGrpc.newBlockingStub(directGrpc(fixture, fixture.secondDirectTls))));
      clients.put(GRPC_MESH, P1Clients.check(HealthGrpc.newBlockingStub(meshed)));
      ManagedChannel routeAuthority = directGrpc(fixture, fixture.routeAuthorityTls);
      clients.put(GRPC_ROUTE_AUTHORITY, P1Clients.check(HealthGrpc.newBlockingStub(routeAuthority)
          .withInterceptors(routeAuthority(MtlsFixture.GRPC_HOST + ":80"))));
    }
    return clients;
  }

  /** A direct OkHttp client with {@code tls}: TLS only, the server's SPIFFE ID verified by the trust manager. */
  static OkHttpClient directHttp(SpiffeTls tls) {
    return new OkHttpClient.Builder()
        .sslSocketFactory(tls.sslContext().getSocketFactory(), tls.trustManager())
        .hostnameVerifier((host, session) -> true) // the trust manager verified the server's SPIFFE ID, as the mesh's
        .connectionSpecs(List.of(ConnectionSpec.MODERN_TLS)).build();
  }

  /** A direct gRPC channel with {@code tls} to {@code fixture}'s server. */
  static ManagedChannel directGrpc(MtlsFixture fixture, SpiffeTls tls) {
    return NettyChannelBuilder.forAddress("127.0.0.1", fixture.grpc.getPort(), TlsChannelCredentials.newBuilder()
        .keyManager(tls.keyManager()).trustManager(tls.trustManager()).build()).build();
  }

  /** Gives each call {@code authority} as its {@code :authority}, as the mesh gives a call its route's host. */
  private static ClientInterceptor routeAuthority(String authority) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return next.newCall(method, options.withAuthority(authority));
      }
    };
  }

  /** An OkHttp GET of {@code url} that must answer 200 once before it is measured (a local 503 would be fast). */
  private static Callable<Object> get(OkHttpClient client, String url) throws Exception {
    Request request = new Request.Builder().url(url).build();
    try (Response r = client.newCall(request).execute()) {
      if (r.code() != 200) {
        throw new IllegalStateException(url + " answered " + r.code() + ": " + r.body().string());
      }
    }
    return P1Clients.get(client, request);
  }
}
