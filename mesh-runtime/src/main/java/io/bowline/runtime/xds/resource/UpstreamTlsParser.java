package io.bowline.runtime.xds.resource;

import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.UpstreamTls;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads an {@code UpstreamTlsContext} into an {@link UpstreamTls}, checking that it can be satisfied: the
 * workload certificate and the trusted roots each come from a certificate provider instance the bootstrap
 * defines (gRFC A29; the current {@code *_certificate_provider_instance} fields win over the deprecated ones
 * istiod also writes) or from an SDS secret over ADS; roots are required (a context that trusts nothing
 * but would accept any server is refused, never fails open); SAN matchers are on the URI SAN (the SPIFFE
 * ID). Inline key material, file names, SPKI/hash pins, CRLs, {@code allow_expired_certificate},
 * {@code ACCEPT_UNTRUSTED} and custom validators are refused by name. {@code tls_params} are left to the
 * JDK's defaults (TLS 1.2 and 1.3).
 */
final class UpstreamTlsParser {

  private UpstreamTlsParser() {}

  /**
   * @param context the decoded context
   * @param at the field path of the context, e.g. {@code transport_socket.typed_config}
   * @param instances the bootstrap's {@code certificate_providers} instance names
   * @throws ResourceException naming the field that cannot be satisfied
   */
  @SuppressWarnings("deprecation")
  static UpstreamTls parse(UpstreamTlsContext context, String at, Set<String> instances) throws ResourceException {
    String common = at + ".common_tls_context";
    CommonTlsContext c = context.getCommonTlsContext();
    if (c.getTlsCertificatesCount() > 0) {
      throw new ResourceException(common + ".tls_certificates",
          "inline certificates are not supported; use tls_certificate_provider_instance or SDS");
    }
    UpstreamTls.Source certificate = null;
    if (c.hasTlsCertificateProviderInstance()) {
      certificate = provider(c.getTlsCertificateProviderInstance(), common + ".tls_certificate_provider_instance",
          instances);
    } else if (c.hasTlsCertificateCertificateProviderInstance()) {
      var p = c.getTlsCertificateCertificateProviderInstance();
      certificate = provider(p.getInstanceName(), p.getCertificateName(),
          common + ".tls_certificate_certificate_provider_instance", instances);
    } else if (c.getTlsCertificateSdsSecretConfigsCount() > 1) {
      throw new ResourceException(common + ".tls_certificate_sds_secret_configs", "at most one secret is supported");
    } else if (c.getTlsCertificateSdsSecretConfigsCount() == 1) {
      certificate = sds(c.getTlsCertificateSdsSecretConfigs(0), common + ".tls_certificate_sds_secret_configs[0]");
    }
    List<StringMatcher> sans = new ArrayList<>();
    UpstreamTls.Source roots = switch (c.getValidationContextTypeCase()) {
      case VALIDATION_CONTEXT -> validation(c.getValidationContext(), common + ".validation_context", instances, sans);
      case VALIDATION_CONTEXT_SDS_SECRET_CONFIG ->
          sds(c.getValidationContextSdsSecretConfig(), common + ".validation_context_sds_secret_config");
      case VALIDATION_CONTEXT_CERTIFICATE_PROVIDER_INSTANCE -> provider(
          c.getValidationContextCertificateProviderInstance().getInstanceName(),
          c.getValidationContextCertificateProviderInstance().getCertificateName(),
          common + ".validation_context_certificate_provider_instance", instances);
      case COMBINED_VALIDATION_CONTEXT -> combined(c.getCombinedValidationContext(),
          common + ".combined_validation_context", instances, sans);
      default -> null;
    };
    if (roots == null) {
      throw new ResourceException(common + ".validation_context",
          "no trusted CA (ca_certificate_provider_instance or an SDS validation context) is set: the server could "
              + "not be verified; refusing to connect");
    }
    return new UpstreamTls(certificate, roots, sans, context.getSni(), c.getAlpnProtocolsList());
  }

  @SuppressWarnings("deprecation")
  private static UpstreamTls.Source combined(CommonTlsContext.CombinedCertificateValidationContext combined,
      String at, Set<String> instances, List<StringMatcher> sans) throws ResourceException {
    UpstreamTls.Source fromDefault = combined.hasDefaultValidationContext()
        ? validation(combined.getDefaultValidationContext(), at + ".default_validation_context", instances, sans)
        : null;
    if (fromDefault != null) {
      return fromDefault;
    }
    if (combined.hasValidationContextSdsSecretConfig()) {
      return sds(combined.getValidationContextSdsSecretConfig(), at + ".validation_context_sds_secret_config");
    }
    if (combined.hasValidationContextCertificateProviderInstance()) {
      var p = combined.getValidationContextCertificateProviderInstance();
      return provider(p.getInstanceName(), p.getCertificateName(),
          at + ".validation_context_certificate_provider_instance", instances);
    }
    return null;
  }

  /** The roots of a validation context (or {@code null} when it names none) and its SAN matchers into {@code sans}. */
  @SuppressWarnings("deprecation")
  private static UpstreamTls.Source validation(CertificateValidationContext v, String at, Set<String> instances,
      List<StringMatcher> sans) throws ResourceException {
    if (v.hasTrustedCa()) {
      throw new ResourceException(at + ".trusted_ca",
          "inline or file trusted_ca is not supported; use ca_certificate_provider_instance or SDS");
    }
    if (v.getVerifyCertificateSpkiCount() > 0 || v.getVerifyCertificateHashCount() > 0) {
      throw new ResourceException(at + ".verify_certificate_spki", "certificate pinning is not supported");
    }
    if (v.hasCrl()) {
      throw new ResourceException(at + ".crl", "not supported");
    }
    if (v.getAllowExpiredCertificate()) {
      throw new ResourceException(at + ".allow_expired_certificate", "not supported: expired peers are refused");
    }
    if (v.getTrustChainVerification() != CertificateValidationContext.TrustChainVerification.VERIFY_TRUST_CHAIN) {
      throw new ResourceException(at + ".trust_chain_verification",
          v.getTrustChainVerification() + " is not supported: the chain is always verified");
    }
    if (v.hasCustomValidatorConfig()) {
      throw new ResourceException(at + ".custom_validator_config", "not supported");
    }
    for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
      SubjectAltNameMatcher m = v.getMatchTypedSubjectAltNames(i);
      String field = at + ".match_typed_subject_alt_names[" + i + "]";
      if (m.getSanType() != SubjectAltNameMatcher.SanType.URI) {
        throw new ResourceException(field + ".san_type",
            "only URI is supported (the peer's identity is its SPIFFE ID), got " + m.getSanType());
      }
      sans.add(RouteParser.stringMatcher(m.getMatcher(), field + ".matcher"));
    }
    for (int i = 0; i < v.getMatchSubjectAltNamesCount(); i++) {
      // deprecated: any SAN type in Envoy; an X.509-SVID's identity is its one URI SAN
      sans.add(RouteParser.stringMatcher(v.getMatchSubjectAltNames(i), at + ".match_subject_alt_names[" + i + "]"));
    }
    if (v.hasCaCertificateProviderInstance()) {
      return provider(v.getCaCertificateProviderInstance(), at + ".ca_certificate_provider_instance", instances);
    }
    return null;
  }

  private static UpstreamTls.Source provider(CertificateProviderPluginInstance p, String at, Set<String> instances)
      throws ResourceException {
    return provider(p.getInstanceName(), p.getCertificateName(), at, instances);
  }

  private static UpstreamTls.Source provider(String instance, String certificateName, String at, Set<String> instances)
      throws ResourceException {
    if (instance.isEmpty()) {
      throw new ResourceException(at + ".instance_name", "must not be empty");
    }
    if (!instances.contains(instance)) {
      throw new ResourceException(at + ".instance_name", "certificate provider instance '" + instance
          + "' is not defined by the bootstrap's certificate_providers "
          + (instances.isEmpty() ? "(none are)" : instances.stream().sorted().toList().toString()));
    }
    return UpstreamTls.Source.provider(instance, certificateName);
  }

  private static UpstreamTls.Source sds(SdsSecretConfig sds, String at) throws ResourceException {
    if (sds.getName().isEmpty()) {
      throw new ResourceException(at + ".name", "must not be empty");
    }
    if (!sds.hasSdsConfig()) {
      throw new ResourceException(at + ".sds_config", "required (only SDS over ADS is supported)");
    }
    ConfigSources.requireAds(sds.getSdsConfig(), at + ".sds_config");
    return UpstreamTls.Source.sds(sds.getName());
  }

  /** Decodes the {@code typed_config} of a TLS transport socket. */
  static UpstreamTlsContext unpack(com.google.protobuf.Any typed, String at) throws ResourceException {
    try {
      return Unpacking.unpack(typed, UpstreamTlsContext.getDescriptor(), UpstreamTlsContext.parser());
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException(at, "cannot decode UpstreamTlsContext: " + e.getMessage());
    }
  }
}
