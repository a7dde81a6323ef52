package io.bowline.runtime.adapter.grpc;

import io.bowline.api.config.PeerMetadataExchange;
import io.bowline.api.MeshClient;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.inbound.InboundMode;
import io.bowline.runtime.inbound.InboundPort;
import io.bowline.runtime.inbound.InboundRequest;
import io.bowline.runtime.inbound.PeerIdentity;
import io.bowline.runtime.inbound.RbacDecision;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSession;

/**
 * The mesh's server side for a plain grpc-java {@code Server} (what grpc-xds's {@code XdsServerCredentials} and
 * {@code XdsServerBuilder} do, on any server builder):
 *
 * <pre>{@code
 * Server server = Grpc.newServerBuilderForPort(8443, BowlineGrpcServer.serverCredentials(mesh, 8443, Duration.ofSeconds(10)))
 *     .intercept(BowlineGrpcServer.interceptor(mesh, 8443))
 *     .addService(service).build().start();
 * }</pre>
 *
 * The credentials follow the port's server listener (gRFC A36) as it is when they are made: STRICT is TLS with a
 * required client certificate verified as a SPIFFE peer, both sides following certificate rotation; DISABLE is
 * plaintext; PERMISSIVE is served as plaintext, as istiod serves it to gRPC (grpc-java cannot tell TLS from
 * plaintext on one port). The interceptor runs the port's RBAC filters on every call (gRFC A41): a denied call is
 * closed with {@code PERMISSION_DENIED} {@value RbacDecision#DENIED_BODY} before the service sees it; an allowed
 * call carries the peer's identity in {@link #PEER_IDENTITY}.
 */
public final class BowlineGrpcServer {
  /** The verified client identity of the current call, or {@code null} for a plaintext or anonymous peer. */
  public static final Context.Key<PeerIdentity> PEER_IDENTITY = Context.key("bowline-peer-identity");

  private BowlineGrpcServer() {}

  /**
   * Server credentials for {@code port} per its server listener.
   *
   * @param mesh the mesh client whose workload the server is
   * @param port the port the server listens on
   * @param awaitListener how long to wait for the port's server listener
   * @return TLS credentials requiring (STRICT) or accepting (TLS) client certificates, or plaintext
   * @throws IllegalStateException if the port has no server listener within {@code awaitListener}: a server is
   *     never started open
   * @throws InterruptedException if interrupted while waiting
   */
  public static ServerCredentials serverCredentials(MeshClient mesh, int port, Duration awaitListener)
      throws InterruptedException {
    RuntimeMeshClient runtime = RuntimeMeshClient.of(mesh);
    if (!runtime.serverListeners().awaitListener(port, awaitListener)) {
      throw new IllegalStateException("no server listener for port " + port + " from " + mesh + " within "
          + awaitListener + ": not serving rather than serving without the mesh's mTLS and RBAC");
    }
    InboundPort inbound = runtime.serverListeners().port(port);
    InboundMode mode = inbound.mode();
    return switch (mode) {
      case STRICT, TLS -> TlsServerCredentials.newBuilder()
          .keyManager(inbound.keyManager())
          .trustManager(inbound.trustManager())
          .clientAuth(mode == InboundMode.STRICT ? TlsServerCredentials.ClientAuth.REQUIRE
              : TlsServerCredentials.ClientAuth.OPTIONAL)
          .build();
      case DISABLE, PERMISSIVE -> InsecureServerCredentials.create();
      case NONE -> throw new IllegalStateException("port " + port + ": its server listener accepts no connection");
    };
  }

  private static final Metadata.Key<String> PEER_METADATA =
      Metadata.Key.of(PeerMetadataExchange.HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> PEER_METADATA_ID =
      Metadata.Key.of(PeerMetadataExchange.ID_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  /**
   * The RBAC check of {@code port}'s server listener on every call; Istio's peer metadata headers
   * ({@code x-envoy-peer-metadata}, {@code x-envoy-peer-metadata-id}) are removed first, as Envoy's
   * {@code istio.metadata_exchange} removes them, so neither RBAC nor the application sees them.
   *
   * @param mesh the mesh client whose workload the server is
   * @param port the port the server listens on
   * @return the interceptor
   */
  public static ServerInterceptor interceptor(MeshClient mesh, int port) {
    InboundPort inbound = RuntimeMeshClient.of(mesh).serverListeners().port(port);
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        // Istio's HTTP metadata exchange is Envoy's business: the application never sees its headers
        headers.discardAll(PEER_METADATA);
        headers.discardAll(PEER_METADATA_ID);
        Attributes attributes = call.getAttributes();
        SSLSession session = attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        PeerIdentity peer = PeerIdentity.of(session);
        InboundRequest request = new InboundRequest(peer, session != null, "",
            address(attributes.get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR), port),
            address(attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), 0), "POST",
            "/" + call.getMethodDescriptor().getFullMethodName(),
            call.getAuthority() == null ? "" : call.getAuthority(), headers(headers));
        RbacDecision decision = inbound.check(request);
        if (!decision.allowed()) {
          call.close(Status.PERMISSION_DENIED.withDescription(RbacDecision.DENIED_BODY), new Metadata());
          return new ServerCall.Listener<>() { };
        }
        return Contexts.interceptCall(Context.current().withValue(PEER_IDENTITY, peer), call, headers, next);
      }
    };
  }

  private static InetSocketAddress address(java.net.SocketAddress address, int fallbackPort) {
    return address instanceof InetSocketAddress inet ? inet : new InetSocketAddress("0.0.0.0", fallbackPort);
  }

  /** The ASCII metadata as headers ({@code -bin} keys are not matched by RBAC, gRFC A41). */
  private static Map<String, List<String>> headers(Metadata metadata) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String key : metadata.keys()) {
      if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        continue;
      }
      Iterable<String> values = metadata.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
      List<String> list = new ArrayList<>();
      if (values != null) {
        values.forEach(list::add);
      }
      out.put(key, list);
    }
    return out;
  }
}
