package io.bowline.runtime.xds.resource;

import io.bowline.api.config.Secret;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * SDS: {@code envoy.extensions.transport_sockets.tls.v3.Secret}, requested by name (the names
 * clusters' UpstreamTlsContexts refer to). Accepts {@code tls_certificate} with
 * {@code certificate_chain} and {@code private_key}, or {@code validation_context} with
 * {@code trusted_ca} and {@code match_typed_subject_alt_names}, from inline bytes or strings
 * (file names and SDS indirections are rejected). Kept for mutual TLS; no TLS is set up here.
 */
public final class SecretResourceType
    extends ResourceType<io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret, Secret> {

  public SecretResourceType() {
    super(TypeUrls.SECRET, io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.getDescriptor(), io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.parser(), false);
  }

  @Override
  public String name(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret proto) {
    return proto.getName();
  }

  @Override
  public Secret parse(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret s) throws ResourceException {
    switch (s.getTypeCase()) {
      case TLS_CERTIFICATE:
        TlsCertificate c = s.getTlsCertificate();
        return new Secret(s.getName(), new Secret.TlsCertificate(
            inline(c.hasCertificateChain(), c.getCertificateChain(), "tls_certificate.certificate_chain"),
            inline(c.hasPrivateKey(), c.getPrivateKey(), "tls_certificate.private_key")), null);
      case VALIDATION_CONTEXT:
        CertificateValidationContext v = s.getValidationContext();
        String ca = inline(v.hasTrustedCa(), v.getTrustedCa(), "validation_context.trusted_ca");
        List<Secret.SubjectAltNameMatcher> sans = new ArrayList<>();
        for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
          sans.add(san(v.getMatchTypedSubjectAltNames(i), "validation_context.match_typed_subject_alt_names[" + i + "]"));
        }
        return new Secret(s.getName(), null, new Secret.ValidationContext(ca, sans));
      default:
        throw new ResourceException("type", "tls_certificate or validation_context is required, got " + s.getTypeCase());
    }
  }

  private static Secret.SubjectAltNameMatcher san(SubjectAltNameMatcher m, String at) throws ResourceException {
    Secret.SanType type;
    switch (m.getSanType()) {
      case EMAIL -> type = Secret.SanType.EMAIL;
      case DNS -> type = Secret.SanType.DNS;
      case URI -> type = Secret.SanType.URI;
      case IP_ADDRESS -> type = Secret.SanType.IP_ADDRESS;
      case OTHER_NAME -> type = Secret.SanType.OTHER_NAME;
      default -> throw new ResourceException(at + ".san_type", "must be EMAIL, DNS, URI, IP_ADDRESS or OTHER_NAME, got " + m.getSanType());
    }
    if (!m.hasMatcher()) {
      throw new ResourceException(at + ".matcher", "required");
    }
    return new Secret.SubjectAltNameMatcher(type, RouteParser.stringMatcher(m.getMatcher(), at + ".matcher"));
  }

  /** PEM text from {@code inline_bytes} or {@code inline_string}; anything else is rejected. */
  private static String inline(boolean present, DataSource d, String at) throws ResourceException {
    if (!present) {
      throw new ResourceException(at, "required");
    }
    String text = switch (d.getSpecifierCase()) {
      case INLINE_BYTES -> d.getInlineBytes().toString(StandardCharsets.UTF_8);
      case INLINE_STRING -> d.getInlineString();
      default -> throw new ResourceException(at, "only inline_bytes or inline_string are supported, got " + d.getSpecifierCase());
    };
    if (text.isBlank()) {
      throw new ResourceException(at, "must not be empty");
    }
    return text;
  }
}
