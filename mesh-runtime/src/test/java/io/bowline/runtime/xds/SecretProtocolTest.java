package io.bowline.runtime.xds;

import static io.bowline.runtime.testing.EnvoyResources.ADS;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.xds.ScriptedAdsServer.any;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.bowline.api.ClientStatus;
import io.bowline.api.Workload;
import io.bowline.runtime.bootstrap.ServerInfo;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SDS over a scripted ADS stream: secrets follow the clusters' TLS contexts; bad ones are NACKed by field. */
class SecretProtocolTest {
  private ScriptedAdsServer server;
  private XdsClient client;
  private final AtomicReference<XdsResources> latest = new AtomicReference<>();

  @BeforeEach
  void start() throws Exception {
    server = new ScriptedAdsServer();
    client = new XdsClient(new XdsClientConfig(
        List.of(new ServerInfo(server.address(), "insecure", Set.of())),
        NodeFactory.forWorkload(new Workload("w", "default", Map.of()), "cluster.local"),
        Duration.ofSeconds(15), false));
    client.watch(latest::set);
    client.start();
    server.awaitStream();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
  }

  private static Cluster tlsCluster(String name, String certSecret, String caSecret) {
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder()
            .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName(certSecret).setSdsConfig(ADS))
            .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName(caSecret).setSdsConfig(ADS))))
        .build();
    return edsCluster(name, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)))
        .build();
  }

  private ClientStatus.Resource statusOf(String name) {
    return client.status().resources().stream()
        .filter(r -> r.typeUrl().equals(TypeUrls.SECRET) && r.name().equals(name)).findFirst().orElse(null);
  }

  @Test
  void secretsAreRequestedByNameParsedAndAMalformedOneIsNackedNamingTheField() throws Exception {
    server.next(TypeUrls.CLUSTER);
    server.send(TypeUrls.CLUSTER, "1", "c1", any(tlsCluster("c", "cert", "ca")));
    DiscoveryRequest sds = server.next(TypeUrls.SECRET);
    assertThat(sds.getResourceNamesList()).containsExactly("ca", "cert");

    Secret cert = Secret.newBuilder().setName("cert").setTlsCertificate(TlsCertificate.newBuilder()
        .setCertificateChain(DataSource.newBuilder().setInlineString("CHAIN"))
        .setPrivateKey(DataSource.newBuilder().setInlineBytes(com.google.protobuf.ByteString.copyFromUtf8("KEY")))).build();
    Secret ca = Secret.newBuilder().setName("ca").setValidationContext(CertificateValidationContext.newBuilder()
        .setTrustedCa(DataSource.newBuilder().setInlineString("CA"))
        .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
            .setSanType(SubjectAltNameMatcher.SanType.URI)
            .setMatcher(StringMatcher.newBuilder().setExact("spiffe://cluster.local/ns/default/sa/b")))).build();
    server.send(TypeUrls.SECRET, "1", "s1", any(cert), any(ca));
    DiscoveryRequest ack = server.next(TypeUrls.SECRET);
    assertThat(ack.hasErrorDetail()).isFalse();
    assertThat(ack.getVersionInfo()).isEqualTo("1");
    await().untilAsserted(() -> {
      assertThat(statusOf("cert").state()).isEqualTo(ClientStatus.State.ACKED);
      assertThat(latest.get().secrets()).containsKeys("cert", "ca");
    });
    var parsed = latest.get().secrets();
    assertThat(parsed.get("cert").tlsCertificate().privateKey()).isEqualTo("KEY");
    assertThat(parsed.get("ca").validationContext().trustedCa()).isEqualTo("CA");
    assertThat(parsed.get("ca").validationContext().subjectAltNames().get(0).type())
        .isEqualTo(io.bowline.api.config.Secret.SanType.URI);

    Secret noKey = Secret.newBuilder().setName("cert").setTlsCertificate(TlsCertificate.newBuilder()
        .setCertificateChain(DataSource.newBuilder().setInlineString("CHAIN2"))).build();
    server.send(TypeUrls.SECRET, "2", "s2", any(noKey), any(ca));
    DiscoveryRequest nack = server.next(TypeUrls.SECRET);
    assertThat(nack.getVersionInfo()).isEqualTo("1");
    assertThat(nack.getResponseNonce()).isEqualTo("s2");
    assertThat(nack.getErrorDetail().getMessage()).contains("Secret 'cert'").contains("tls_certificate.private_key");
    await().untilAsserted(() -> assertThat(statusOf("cert").state()).isEqualTo(ClientStatus.State.NACKED));
    assertThat(latest.get().secrets().get("cert").tlsCertificate().certificateChain())
        .as("last good secret kept").isEqualTo("CHAIN");
  }
}
