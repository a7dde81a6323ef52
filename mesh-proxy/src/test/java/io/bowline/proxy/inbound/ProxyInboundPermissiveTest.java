package io.bowline.proxy.inbound;

import static io.bowline.proxy.gateway.GatewayMesh.curl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.bowline.api.MeshClient;
import io.bowline.proxy.BowlineProxy;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.inbound.InboundMode;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.tls.MeshPki;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PeerAuthentication PERMISSIVE as two filter chains of one server listener (a {@code tls} chain with the
 * {@code default} provider's certificate requiring client certificates, and a {@code raw_buffer} chain), served by
 * an xDS test server for the application's port (Istio's sidecar layout: the inbound listener's own port has no
 * server listener): the proxy's inbound listener takes both on one port, mTLS callers' identity reaches the
 * application in {@code x-forwarded-client-cert} and a plaintext caller's forged one does not.
 */
class ProxyInboundPermissiveTest {
  private static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";

  @TempDir
  Path dir;

  @Test
  void aPermissivePortTakesMutualTlsAndPlaintextAndOnlyMutualTlsCarriesXfcc() throws Exception {
    MeshPki pki = new MeshPki();
    MeshPki.write(dir.resolve("server"), pki.issue("productpage"));
    MeshPki.write(dir.resolve("client"), pki.issue("sleep"));
    try (HeaderLoggingApp app = new HeaderLoggingApp(dir);
        XdsTestServer xds = new XdsTestServer()) {
      xds.set(Snapshot.create(List.of(), List.of(), List.of(permissive(app.port())), List.of(), List.of(), "1"));
      try (MeshClient mesh = MeshClient.builder().bootstrapJson(MeshPki.bootstrap(xds.address(), dir.resolve("server"),
          "600s")).build();
          BowlineProxy proxy = BowlineProxy.builder().mesh(mesh).inbound(0, app.port()).threads(1).start()) {
        assertThat(RuntimeMeshClient.of(mesh).serverListeners().awaitListener(app.port(), Duration.ofSeconds(20)))
            .isTrue();
        assertThat(RuntimeMeshClient.of(mesh).serverListeners().port(app.port()).mode())
            .isEqualTo(InboundMode.PERMISSIVE);
        Path client = dir.resolve("client");

        // HTTP/1.1: an h2 client (ALPN) is forwarded in HTTP/2, which this application does not speak
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(curl("-k", "--http1.1",
            "--cert", client.resolve("cert-chain.pem").toString(), "--key", client.resolve("key.pem").toString(),
            "https://127.0.0.1:" + proxy.inboundPort() + "/mtls")).contains("code=200").contains("URI=" + SLEEP));

        String plain = curl("-H", "x-forwarded-client-cert: URI=" + SLEEP, "http://127.0.0.1:" + proxy.inboundPort()
            + "/plaintext");
        assertThat(plain).contains("code=200").doesNotContain("x-forwarded-client-cert");
        assertThat(app.received()).filteredOn(l -> l.startsWith("GET /plaintext "))
            .hasSize(1).allSatisfy(l -> assertThat(l).doesNotContain(SLEEP));
      }
    }
  }

  /** The server listener istiod's grpc generator would write for PERMISSIVE on {@code port}: two chains. */
  private static Listener permissive(int port) {
    DownstreamTlsContext tls = DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder()
            .setTlsCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
                .setInstanceName("default").setCertificateName("default"))
            .setValidationContext(CertificateValidationContext.newBuilder()
                .setCaCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
                    .setInstanceName("default").setCertificateName("ROOTCA"))))
        .setRequireClientCertificate(BoolValue.of(true))
        .build();
    return ServerListenerResources.listener(port, ServerListenerResources.chain("inbound-mtls", "tls").setTransportSocket(
        TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls))),
        ServerListenerResources.chain("inbound-plaintext", "raw_buffer"));
  }
}
