package io.bowline.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.api.config.Secret;
import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.UpstreamTls;
import io.bowline.tls.CertificateProvider;
import io.bowline.tls.Pem;
import io.bowline.tls.WorkloadCertificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * The compiled TLS handles: one per distinct context, fed by provider instances and SDS secrets, not ready
 * (with a reason naming the source) until both the certificate and the roots arrived, and never a byte of key
 * material in what they print.
 */
class UpstreamTlsHandlesTest {
  private static final UpstreamTls ISTIO_MUTUAL = new UpstreamTls(UpstreamTls.Source.provider("default", "default"),
      UpstreamTls.Source.provider("default", "ROOTCA"),
      List.of(new StringMatcher(StringMatcher.Kind.EXACT, "spiffe://cluster.local/ns/default/sa/reviews", false)),
      "reviews.default.svc.cluster.local", List.of("h2"));
  private static final UpstreamTls SDS = new UpstreamTls(UpstreamTls.Source.sds("default"),
      UpstreamTls.Source.sds("ROOTCA"), List.of(), "", List.of());

  private final MeshPki pki = new MeshPki();

  @Test
  void equalContextsShareOneHandleFedByTheirProviderInstance() {
    WorkloadCertificate own = pki.issue("productpage");
    List<String> started = new ArrayList<>();
    try (UpstreamTlsHandles handles = new UpstreamTlsHandles(name -> {
      started.add(name);
      return CertificateProvider.of(own);
    })) {
      UpstreamTlsHandle h = handles.handle(ISTIO_MUTUAL);
      assertThat(handles.handle(new UpstreamTls(ISTIO_MUTUAL.certificate(), ISTIO_MUTUAL.roots(),
          ISTIO_MUTUAL.subjectAltNames(), ISTIO_MUTUAL.sni(), ISTIO_MUTUAL.alpn()))).isSameAs(h);
      assertThat(started).containsExactly("default");
      assertThat(h.ready()).isTrue();
      assertThat(h.keyManager().getCertificateChain(h.keyManager().chooseClientAlias(new String[] {"EC"}, null, null)))
          .containsExactlyElementsOf(own.chain());
      assertThat(h.sni()).isEqualTo("reviews.default.svc.cluster.local");
    }
  }

  @Test
  void anSdsBackedHandleIsNotReadyUntilBothSecretsArriveAndSaysWhichIsMissing() throws Exception {
    WorkloadCertificate own = pki.issue("productpage");
    try (UpstreamTlsHandles handles = new UpstreamTlsHandles(name -> {
      throw new AssertionError("no provider instance is named");
    })) {
      UpstreamTlsHandle h = handles.handle(SDS);
      assertThat(h.ready()).isFalse();
      assertThat(h.notReadyReason()).isEqualTo("no trust bundle yet from sds:ROOTCA");
      assertThatThrownBy(h::sslContext).isInstanceOf(IllegalStateException.class);
      Secret roots = new Secret("ROOTCA", null, new Secret.ValidationContext(Pem.encode(own.trustBundle()), List.of()));
      handles.secrets(Map.of("ROOTCA", roots));
      assertThat(h.notReadyReason()).isEqualTo("no workload certificate yet from sds:default");
      Secret cert = new Secret("default", new Secret.TlsCertificate(Pem.encode(own.chain()), Pem.encode(own.privateKey())),
          null);
      handles.secrets(Map.of("ROOTCA", roots, "default", cert));
      assertThat(h.ready()).isTrue();
      assertThat(h.sni()).isEmpty();
      try (SSLSocket socket = (SSLSocket) h.socketFactory().createSocket()) {
        assertThat(socket.getSSLParameters().getServerNames()).isNull();
      }
    }
  }

  @Test
  void istiosSniWithUnderscoresIsNotSentBecauseJdkServersRefuseIt() {
    UpstreamTls istio = new UpstreamTls(null, UpstreamTls.Source.sds("ROOTCA"), List.of(),
        "outbound_.9080_._.reviews.default.svc.cluster.local", List.of());
    try (UpstreamTlsHandles handles = new UpstreamTlsHandles(name -> null)) {
      assertThat(handles.handle(istio).sni()).isEmpty();
    }
  }

  @Test
  void noKeyMaterialInWhatAHandleOrItsReasonsPrint() {
    WorkloadCertificate own = pki.issue("productpage");
    try (UpstreamTlsHandles handles = new UpstreamTlsHandles(name -> CertificateProvider.of(own))) {
      UpstreamTlsHandle h = handles.handle(ISTIO_MUTUAL);
      UpstreamTlsHandle broken = handles.handle(SDS);
      handles.secrets(Map.of("ROOTCA", new Secret("ROOTCA", new Secret.TlsCertificate(Pem.encode(own.chain()),
          Pem.encode(own.privateKey())), null)));
      String key = Base64.getEncoder().encodeToString(own.privateKey().getEncoded());
      for (String printed : List.of(h.toString(), broken.toString(), String.valueOf(broken.notReadyReason()),
          handles.certificates().toString())) {
        assertThat(printed).doesNotContain("BEGIN", "PRIVATE", key.substring(0, 40), key.substring(key.length() - 40));
      }
      assertThat(broken.notReadyReason()).isEqualTo("SDS secret 'ROOTCA' holds no validation_context");
    }
  }
}
