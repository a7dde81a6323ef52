package io.bowline.controlplane.istio;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Parses {@code tls} ({@code ClientTLSSettings}) of a DestinationRule traffic policy, subset policy or
 * port-level entry, with istiod's validation: an unknown mode is an error, MUTUAL needs
 * {@code clientCertificate} and {@code privateKey} (or {@code credentialName}).
 */
final class ClientTlsParser {

  private static final Set<String> HANDLED = Set.of("mode", "clientCertificate", "privateKey", "caCertificates",
      "credentialName", "subjectAltNames", "sni", "insecureSkipVerify", "caCrl");

  private ClientTlsParser() {}

  /** {@code owner.tls}, or empty when unset or invalid (after an error). */
  static Optional<ClientTlsSettings> parse(SpecReader owner) {
    return owner.object("tls").flatMap(tls -> {
      tls.reportUnhandled(HANDLED, Set.of());
      String modeName = tls.string("mode").orElse("DISABLE").toUpperCase(Locale.ROOT);
      ClientTlsSettings.Mode mode;
      try {
        mode = ClientTlsSettings.Mode.valueOf(modeName);
      } catch (IllegalArgumentException e) {
        tls.error("mode", "unknown mode '" + ValueChecks.shorten(String.valueOf(modeName))
            + "' (DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL)");
        return Optional.empty();
      }
      String credentialName = tls.string("credentialName").orElse("");
      if (mode == ClientTlsSettings.Mode.MUTUAL && credentialName.isEmpty()
          && (!tls.has("clientCertificate") || !tls.has("privateKey"))) {
        tls.error("mode", "MUTUAL needs clientCertificate and privateKey (or credentialName)");
      }
      if (mode == ClientTlsSettings.Mode.SIMPLE || mode == ClientTlsSettings.Mode.MUTUAL) {
        tls.warning("mode", mode + " is not translated: istiod's grpc generator writes no TLS for it (proxyless"
            + " gRPC takes certificates only from certificate providers, not from files or secrets); the clusters"
            + " of this policy are plaintext");
      }
      if (mode == ClientTlsSettings.Mode.ISTIO_MUTUAL && tls.has("sni")) {
        tls.info("sni", "istiod's grpc generator writes no SNI for ISTIO_MUTUAL; ignored");
      }
      if (mode == ClientTlsSettings.Mode.ISTIO_MUTUAL) {
        for (String field : new String[] {"clientCertificate", "privateKey", "caCertificates", "credentialName"}) {
          if (tls.has(field)) {
            tls.error(field, field + " must not be set with ISTIO_MUTUAL (the mesh's certificates are used)");
          }
        }
      }
      return Optional.of(new ClientTlsSettings(mode, tls.string("clientCertificate").orElse(""),
          tls.string("privateKey").orElse(""), tls.string("caCertificates").orElse(""), credentialName,
          tls.strings("subjectAltNames"), tls.string("sni").orElse("")));
    });
  }
}
