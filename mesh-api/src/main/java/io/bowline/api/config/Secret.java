package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/**
 * Envoy {@code extensions.transport_sockets.tls.v3.Secret} (SDS), the parts the runtime keeps for
 * mutual TLS: a certificate with its key, or a validation context. PEM text as given inline.
 *
 * @param name {@code name}
 * @param tlsCertificate {@code tls_certificate}, or {@code null}
 * @param validationContext {@code validation_context}, or {@code null}
 */
public record Secret(String name, TlsCertificate tlsCertificate, ValidationContext validationContext) {
  /**
   * Checks the components.
   *
   * @param name {@code name}
   * @param tlsCertificate {@code tls_certificate}, or {@code null}
   * @param validationContext {@code validation_context}, or {@code null}
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public Secret {
    Objects.requireNonNull(name, "name");
    if ((tlsCertificate == null) == (validationContext == null)) {
      throw new IllegalArgumentException("secret " + name + ": exactly one of tls_certificate, validation_context");
    }
  }

  /**
   * {@code TlsCertificate}.
   *
   * @param certificateChain {@code certificate_chain}, PEM
   * @param privateKey {@code private_key}, PEM
   */
  public record TlsCertificate(String certificateChain, String privateKey) {
    /**
     * Checks the components.
     *
     * @param certificateChain {@code certificate_chain}, PEM
     * @param privateKey {@code private_key}, PEM
     * @throws NullPointerException if a required component is {@code null}
     */
    public TlsCertificate {
      Objects.requireNonNull(certificateChain, "certificateChain");
      Objects.requireNonNull(privateKey, "privateKey");
    }

    @Override
    public String toString() {
      return "TlsCertificate[certificateChain=" + certificateChain.length() + " chars, privateKey=<redacted>]";
    }
  }

  /**
   * {@code CertificateValidationContext}.
   *
   * @param trustedCa {@code trusted_ca}, PEM
   * @param subjectAltNames {@code match_typed_subject_alt_names}; a peer certificate matches when any
   *     matcher matches (empty: any SAN)
   */
  public record ValidationContext(String trustedCa, List<SubjectAltNameMatcher> subjectAltNames) {
    /**
     * Checks the components and keeps immutable copies of its collections.
     *
     * @param trustedCa {@code trusted_ca}, PEM
     * @param subjectAltNames {@code match_typed_subject_alt_names}; a peer certificate matches when any
     *     matcher matches (empty: any SAN)
     * @throws NullPointerException if a required component is {@code null}
     */
    public ValidationContext {
      Objects.requireNonNull(trustedCa, "trustedCa");
      subjectAltNames = List.copyOf(subjectAltNames);
    }

    @Override
    public String toString() {
      return "ValidationContext[trustedCa=" + trustedCa.length() + " chars, subjectAltNames=" + subjectAltNames + "]";
    }
  }

  /**
   * {@code SubjectAltNameMatcher}.
   *
   * @param type {@code san_type}
   * @param matcher {@code matcher}
   */
  public record SubjectAltNameMatcher(SanType type, StringMatcher matcher) {
    /**
     * Checks the components.
     *
     * @param type {@code san_type}
     * @param matcher {@code matcher}
     * @throws NullPointerException if a required component is {@code null}
     */
    public SubjectAltNameMatcher {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(matcher, "matcher");
    }
  }

  /** {@code SubjectAltNameMatcher.SanType} (without the unspecified value). */
  public enum SanType {
    /** {@code EMAIL}: an rfc822Name. */
    EMAIL,
    /** {@code DNS}: a dNSName. */
    DNS,
    /** {@code URI}: a uniformResourceIdentifier, e.g. a SPIFFE ID. */
    URI,
    /** {@code IP_ADDRESS}: an iPAddress. */
    IP_ADDRESS,
    /** {@code OTHER_NAME}: an otherName. */
    OTHER_NAME
  }
}
