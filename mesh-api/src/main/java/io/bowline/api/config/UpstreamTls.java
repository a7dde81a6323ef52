package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/**
 * Envoy {@code extensions.transport_sockets.tls.v3.UpstreamTlsContext} as the runtime applies it to a
 * cluster's connections: where the workload certificate and the trusted roots come from, which peers to
 * accept, and what to send in the handshake. Holds names, never key material.
 *
 * @param certificate {@code common_tls_context.tls_certificate_provider_instance} (or the deprecated
 *     {@code tls_certificate_certificate_provider_instance}), or {@code tls_certificate_sds_secret_configs[0]};
 *     {@code null} for TLS without a client certificate
 * @param roots {@code validation_context.ca_certificate_provider_instance} (also under
 *     {@code combined_validation_context.default_validation_context}, or the deprecated
 *     {@code validation_context_certificate_provider_instance}), or the validation context SDS secret
 * @param subjectAltNames the URI SAN matchers a peer must satisfy, any-of ({@code match_typed_subject_alt_names}
 *     with {@code san_type: URI}, and the deprecated {@code match_subject_alt_names}); empty accepts any
 *     SPIFFE ID of a trusted trust domain
 * @param sni {@code sni}, or {@code ""} to send none
 * @param alpn {@code common_tls_context.alpn_protocols}, in preference order; may be empty
 */
public record UpstreamTls(Source certificate, Source roots, List<StringMatcher> subjectAltNames, String sni,
    List<String> alpn) {

  /**
   * Checks the components and keeps immutable copies of the lists.
   *
   * @param certificate the workload certificate's source, or {@code null} for none
   * @param roots the trusted roots' source
   * @param subjectAltNames URI SAN matchers, any-of; empty accepts any SPIFFE ID of a trusted trust domain
   * @param sni {@code sni}, or {@code ""}
   * @param alpn {@code alpn_protocols}
   * @throws NullPointerException if {@code roots}, {@code subjectAltNames}, {@code sni} or {@code alpn} is null
   */
  public UpstreamTls {
    Objects.requireNonNull(roots, "roots");
    Objects.requireNonNull(sni, "sni");
    subjectAltNames = List.copyOf(subjectAltNames);
    alpn = List.copyOf(alpn);
  }

  /**
   * Where certificates come from: a certificate provider plugin instance of the gRPC bootstrap
   * ({@code certificate_providers}, gRFC A29), or an SDS secret fetched over ADS.
   *
   * @param kind which source
   * @param name the provider {@code instance_name}, or the SDS secret {@code name}
   * @param certificateName the provider's {@code certificate_name} (Istio: {@code default}, {@code ROOTCA});
   *     {@code ""} for SDS
   */
  public record Source(Kind kind, String name, String certificateName) {
    /**
     * Checks the components.
     *
     * @param kind which source
     * @param name the provider {@code instance_name}, or the SDS secret {@code name}
     * @param certificateName the provider's {@code certificate_name}; {@code ""} for SDS
     * @throws NullPointerException if a component is null
     * @throws IllegalArgumentException if {@code name} is empty
     */
    public Source {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(certificateName, "certificateName");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("a certificate source needs a name");
      }
    }

    /**
     * A certificate provider plugin instance.
     *
     * @param instance {@code instance_name}
     * @param certificateName {@code certificate_name}
     * @return the source
     */
    public static Source provider(String instance, String certificateName) {
      return new Source(Kind.PROVIDER_INSTANCE, instance, certificateName);
    }

    /**
     * An SDS secret over ADS.
     *
     * @param secret the secret's name
     * @return the source
     */
    public static Source sds(String secret) {
      return new Source(Kind.SDS, secret, "");
    }

    @Override
    public String toString() {
      return kind == Kind.SDS ? "sds:" + name : name + "/" + certificateName;
    }
  }

  /** The kinds of {@link Source}. */
  public enum Kind {
    /** A gRPC bootstrap {@code certificate_providers} instance ({@code CertificateProviderPluginInstance}). */
    PROVIDER_INSTANCE,
    /** An SDS secret ({@code SdsSecretConfig} with an ADS config source). */
    SDS
  }
}
