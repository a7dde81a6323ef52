package io.bowline.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;

/**
 * The TLS contexts istiod's {@code grpc} generator writes for proxyless gRPC (gRFC A29): certificates from the
 * bootstrap's certificate provider instance {@value #PROVIDER_INSTANCE} (certificate {@code default}, trust
 * bundle {@code ROOTCA}), written both in the current fields ({@code tls_certificate_provider_instance},
 * {@code default_validation_context.ca_certificate_provider_instance}) and the deprecated ones older gRPC
 * clients read ({@code tls_certificate_certificate_provider_instance},
 * {@code validation_context_certificate_provider_instance}); the peer's SANs, when known, as exact
 * {@code match_subject_alt_names}.
 */
final class TlsContexts {

  /** The certificate provider instance (bootstrap {@code certificate_providers} key) Istio's agent writes. */
  static final String PROVIDER_INSTANCE = "default";
  /** {@code TransportSocket.name} gRPC expects for TLS. */
  static final String TRANSPORT_SOCKET = "envoy.transport_sockets.tls";

  private TlsContexts() {}

  /** The common context; {@code sans} (possibly empty) are the accepted peer identities. */
  @SuppressWarnings("deprecation")
  static CommonTlsContext common(List<String> sans) {
    CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder()
        .setCaCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
            .setInstanceName(PROVIDER_INSTANCE).setCertificateName("ROOTCA"));
    sans.forEach(san -> validation.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(san)));
    return CommonTlsContext.newBuilder()
        .setTlsCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
            .setInstanceName(PROVIDER_INSTANCE).setCertificateName("default"))
        .setTlsCertificateCertificateProviderInstance(CommonTlsContext.CertificateProviderInstance.newBuilder()
            .setInstanceName(PROVIDER_INSTANCE).setCertificateName("default"))
        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
            .setValidationContextCertificateProviderInstance(CommonTlsContext.CertificateProviderInstance.newBuilder()
                .setInstanceName(PROVIDER_INSTANCE).setCertificateName("ROOTCA"))
            .setDefaultValidationContext(validation))
        .build();
  }

  /** The client side of ISTIO_MUTUAL: {@code UpstreamTlsContext} accepting servers with one of {@code sans}. */
  static UpstreamTlsContext upstream(List<String> sans) {
    return UpstreamTlsContext.newBuilder().setCommonTlsContext(common(sans)).build();
  }

  /** The server side of STRICT mTLS: client certificates required, any mesh identity accepted. */
  static DownstreamTlsContext downstream() {
    return DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(common(List.of()))
        .setRequireClientCertificate(BoolValue.of(true))
        .build();
  }

  /** {@code context} as the {@value #TRANSPORT_SOCKET} transport socket. */
  static TransportSocket transportSocket(Message context) {
    return TransportSocket.newBuilder().setName(TRANSPORT_SOCKET).setTypedConfig(Any.pack(context)).build();
  }
}
