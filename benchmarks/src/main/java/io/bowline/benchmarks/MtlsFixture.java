package io.bowline.benchmarks;

import com.google.protobuf.Any;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.bowline.api.MeshClient;
import io.bowline.api.config.StringMatcher;
import io.bowline.tls.CertificateAuthority;
import io.bowline.tls.CertificateProvider;
import io.bowline.tls.Pem;
import io.bowline.tls.SpiffeId;
import io.bowline.tls.SpiffePeerPolicy;
import io.bowline.tls.SpiffeTls;
import io.bowline.tls.WorkloadCertificate;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher.Builder;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * The mTLS P1 fixture, all on loopback: a CA of trust domain {@code cluster.local}; an HTTPS server answering 1 KB and a
 * grpc-java server with {@code grpc.health.v1}, both requiring a client certificate and presenting
 * {@code spiffe://cluster.local/ns/default/sa/bench-server}; java-control-plane serving both services as
 * ISTIO_MUTUAL clusters (provider instance {@code default}, an exact SAN matcher on the server's SPIFFE ID) with
 * EndToEndFixture's armed policies; and a {@link MeshClient} whose bootstrap's {@code default} provider is
 * {@code file_watcher} on the client certificate's files. The direct clients get the same certificate and the same
 * SPIFFE verification ({@link #clientTls}). Each server counts the TLS sessions (handshakes, full or resumed: one
 * per connection) it saw per client certificate serial, so the mesh's and the direct client's handshakes are told
 * apart: {@link #direct} and the mesh's certificate differ only in serial.
 */
final class MtlsFixture implements AutoCloseable {
  static final String HTTP_HOST = EndToEndFixture.HTTP_HOST;
  static final String GRPC_HOST = EndToEndFixture.GRPC_HOST;
  private static final String TRUST_DOMAIN = "cluster.local";
  private static final SpiffeId SERVER = SpiffeId.istio(TRUST_DOMAIN, "default", "bench-server");
  private static final SpiffeId CLIENT = SpiffeId.istio(TRUST_DOMAIN, "default", "bench");

  final HttpsServer https;
  final Server grpc;
  final Server xds;
  final MeshClient mesh;
  /** The direct clients' certificate: the mesh's identity, another serial. */
  final WorkloadCertificate direct;
  /** The mesh's certificate, as the bootstrap's file_watcher reads it. */
  final WorkloadCertificate meshed;
  /** The direct clients' TLS: {@link #direct}, SPIFFE verification of the server with the mesh's SAN matcher. */
  final SpiffeTls clientTls;
  /** The same as {@link #clientTls} with a certificate of its own serial, for a third client whose handshakes count apart. */
  final WorkloadCertificate routeAuthority;
  final SpiffeTls routeAuthorityTls;
  /** The same as {@link #clientTls} with a certificate of its own serial, for the A/A clients (a second direct client). */
  final WorkloadCertificate secondDirect;
  final SpiffeTls secondDirectTls;
  private final Map<BigInteger, Set<SSLSession>> httpSessions = new ConcurrentHashMap<>();
  private final Map<BigInteger, Set<SSLSession>> grpcSessions = new ConcurrentHashMap<>();
  private final EventLoopGroup serverLoops;
  private final Path certs;

  MtlsFixture() throws Exception {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    CertificateAuthority ca = CertificateAuthority.create(TRUST_DOMAIN, false);
    WorkloadCertificate server = ca.issue(SERVER, Duration.ofHours(2));
    direct = ca.issue(CLIENT, Duration.ofHours(2));
    meshed = ca.issue(CLIENT, Duration.ofHours(2));
    routeAuthority = ca.issue(CLIENT, Duration.ofHours(2));
    secondDirect = ca.issue(CLIENT, Duration.ofHours(2));
    SpiffeTls serverTls = SpiffeTls.create(CertificateProvider.of(server), SpiffePeerPolicy.anyIn(TRUST_DOMAIN));
    SpiffePeerPolicy serverId = new SpiffePeerPolicy(Set.of(TRUST_DOMAIN),
        List.of(new StringMatcher(StringMatcher.Kind.EXACT, SERVER.uri(), false)));
    clientTls = SpiffeTls.create(CertificateProvider.of(direct), serverId);
    routeAuthorityTls = SpiffeTls.create(CertificateProvider.of(routeAuthority), serverId);
    secondDirectTls = SpiffeTls.create(CertificateProvider.of(secondDirect), serverId);

    https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    https.setHttpsConfigurator(new HttpsConfigurator(serverTls.sslContext()) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters p = getSSLContext().getDefaultSSLParameters();
        p.setNeedClientAuth(true);
        params.setSSLParameters(p);
      }
    });
    EndToEndFixture.serveKilobyte(https, exchange -> record(httpSessions, ((HttpsExchange) exchange).getSSLSession()));

    ServerInterceptor sessions = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        record(grpcSessions, call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        return next.startCall(call, headers);
      }
    };
    serverLoops = EndToEndFixture.serverLoops();
    grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), TlsServerCredentials.newBuilder()
            .keyManager(serverTls.keyManager()).trustManager(serverTls.trustManager())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build())
        .addService(ServerInterceptors.intercept(EndToEndFixture.healthService(), sessions))
        .bossEventLoopGroup(serverLoops).workerEventLoopGroup(serverLoops).channelType(NioServerSocketChannel.class)
        .build().start();
    xds = EndToEndFixture.serveXds(c -> c.setTransportSocket(istioMutual()), https.getAddress().getPort(),
        grpc.getPort(), null);

    certs = Files.createTempDirectory("bowline-p1-mtls");
    Files.writeString(certs.resolve("cert-chain.pem"), Pem.encode(meshed.chain()));
    Files.writeString(certs.resolve("key.pem"), Pem.encode(meshed.privateKey()));
    Files.writeString(certs.resolve("root-cert.pem"), Pem.encode(meshed.trustBundle()));
    mesh = MeshClient.builder().bootstrapJson("""
        {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                          "server_features": ["xds_v3"]}],
         "node": {"id": "sidecar~127.0.0.1~bench-1.default~default.svc.cluster.local",
                  "metadata": {"NAMESPACE": "default", "GENERATOR": "grpc", "SERVICE_ACCOUNT": "bench"}},
         "certificate_providers": {"default": {"plugin_name": "file_watcher", "config": {
            "certificate_file": "%s", "private_key_file": "%s", "ca_certificate_file": "%s"}}}}
        """.formatted(xds.getPort(), certs.resolve("cert-chain.pem"), certs.resolve("key.pem"),
        certs.resolve("root-cert.pem"))).meterRegistry(new SimpleMeterRegistry()).build();
    mesh.awaitReady(Duration.ofSeconds(30));
  }

  /** istiod's ISTIO_MUTUAL upstream context, with an exact SAN matcher on the server's SPIFFE ID. */
  private static TransportSocket istioMutual() {
    Builder san = io.envoyproxy.envoy.type.matcher.v3.StringMatcher.newBuilder().setExact(SERVER.uri());
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .setTlsCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
            .setInstanceName("default").setCertificateName("default"))
        .setValidationContext(CertificateValidationContext.newBuilder()
            .setCaCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
                .setInstanceName("default").setCertificateName("ROOTCA"))
            .addMatchSubjectAltNames(san))).build();
    return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)).build();
  }

  private static void record(Map<BigInteger, Set<SSLSession>> sessions, SSLSession session) {
    try {
      BigInteger serial = ((X509Certificate) session.getPeerCertificates()[0]).getSerialNumber();
      sessions.computeIfAbsent(serial, s -> Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>())))
          .add(session);
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      throw new IllegalStateException("a client without a certificate reached an mTLS server", e);
    }
  }

  /** TLS sessions (handshakes) the HTTPS server saw from {@code certificate}. */
  int httpHandshakes(WorkloadCertificate certificate) {
    return httpSessions.getOrDefault(certificate.chain().get(0).getSerialNumber(), Set.of()).size();
  }

  /** TLS sessions (handshakes) the gRPC server saw from {@code certificate}. */
  int grpcHandshakes(WorkloadCertificate certificate) {
    return grpcSessions.getOrDefault(certificate.chain().get(0).getSerialNumber(), Set.of()).size();
  }

  /** The protocol and cipher suite of the TLS sessions the gRPC server saw from {@code certificate}, e.g. {@code "TLSv1.3 TLS_AES_128_GCM_SHA256"}. */
  String grpcCipher(WorkloadCertificate certificate) {
    Set<SSLSession> sessions = grpcSessions.getOrDefault(certificate.chain().get(0).getSerialNumber(), Set.of());
    synchronized (sessions) {
      return sessions.stream().map(s -> s.getProtocol() + " " + s.getCipherSuite()).distinct()
          .collect(java.util.stream.Collectors.joining(", "));
    }
  }

  @Override
  public void close() throws Exception {
    EndToEndFixture.stop(mesh, xds, grpc, serverLoops, https);
    for (String f : List.of("cert-chain.pem", "key.pem", "root-cert.pem")) {
      Files.deleteIfExists(certs.resolve(f));
    }
    Files.deleteIfExists(certs);
  }
}
