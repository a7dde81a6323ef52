package io.bowline.runtime.xds.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import org.junit.jupiter.api.Test;

/**
 * SDS secrets ({@code envoy.extensions.transport_sockets.tls.v3.Secret}): inline certificates and
 * validation contexts are parsed; a malformed one is rejected naming the field. (No secret is
 * requested over ADS while clusters asking for TLS are refused, see {@link TransportSocketParser}.)
 */
class SecretResourceTypeTest {
  private final SecretResourceType type = new SecretResourceType();

  @Test
  void certificatesAndValidationContextsAreParsed() throws Exception {
    Secret cert = Secret.newBuilder().setName("cert").setTlsCertificate(TlsCertificate.newBuilder()
        .setCertificateChain(DataSource.newBuilder().setInlineString("CHAIN"))
        .setPrivateKey(DataSource.newBuilder().setInlineBytes(com.google.protobuf.ByteString.copyFromUtf8("KEY")))).build();
    Secret ca = Secret.newBuilder().setName("ca").setValidationContext(CertificateValidationContext.newBuilder()
        .setTrustedCa(DataSource.newBuilder().setInlineString("CA"))
        .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
            .setSanType(SubjectAltNameMatcher.SanType.URI)
            .setMatcher(StringMatcher.newBuilder().setExact("spiffe://cluster.local/ns/default/sa/b")))).build();

    var parsedCert = type.parse(cert);
    assertThat(parsedCert.tlsCertificate().privateKey()).isEqualTo("KEY");
    assertThat(parsedCert.tlsCertificate().certificateChain()).isEqualTo("CHAIN");
    var parsedCa = type.parse(ca);
    assertThat(parsedCa.validationContext().trustedCa()).isEqualTo("CA");
    assertThat(parsedCa.validationContext().subjectAltNames().get(0).type())
        .isEqualTo(io.bowline.api.config.Secret.SanType.URI);
  }

  @Test
  void aCertificateWithoutItsKeyIsRejectedNamingTheField() {
    Secret noKey = Secret.newBuilder().setName("cert").setTlsCertificate(TlsCertificate.newBuilder()
        .setCertificateChain(DataSource.newBuilder().setInlineString("CHAIN2"))).build();
    assertThatThrownBy(() -> type.parse(noKey)).isInstanceOf(ResourceException.class)
        .hasMessage("tls_certificate.private_key: required");
  }
}
