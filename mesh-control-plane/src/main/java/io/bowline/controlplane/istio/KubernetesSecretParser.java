package io.bowline.controlplane.istio;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Reads a Kubernetes {@code Secret} (v1) that a Gateway server's {@code credentialName} can name, in the two
 * layouts istiod reads: type {@code kubernetes.io/tls} ({@code tls.crt}, {@code tls.key}, optional
 * {@code ca.crt}) and a generic ({@code Opaque}) secret with {@code cert}, {@code key} and optional
 * {@code cacert}, or with only a CA ({@code ca.crt} or {@code cacert}, the {@code <name>-cacert} secret of a
 * MUTUAL server). Values come from {@code data} (base64) or {@code stringData} (text) and must be PEM.
 * Other secrets are ignored (information). Diagnostics never quote a value.
 */
final class KubernetesSecretParser {

  private KubernetesSecretParser() {}

  /** The TLS secret, or empty when the secret is of another kind (information) or invalid (an error). */
  static Optional<TlsSecret> parse(SpecReader top) {
    String type = top.string("type").orElse("Opaque");
    boolean tls = type.equals("kubernetes.io/tls");
    if (!tls && !type.equals("Opaque")) {
      top.info("type", "a Secret of type " + ValueChecks.quote(type) + " is not a TLS credential; ignored");
      return Optional.empty();
    }
    String certificate = value(top, tls ? "tls.crt" : "cert");
    String key = value(top, tls ? "tls.key" : "key");
    String ca = value(top, "ca.crt");
    if (ca.isEmpty() && !tls) {
      ca = value(top, "cacert");
    }
    if (top.diagnostics().hasErrors()) {
      return Optional.empty();
    }
    if (!tls && certificate.isEmpty() && key.isEmpty() && ca.isEmpty()) {
      top.info("data", "a Secret without cert/key/cacert is not a TLS credential; ignored");
      return Optional.empty();
    }
    if (certificate.isEmpty() != key.isEmpty() || tls && certificate.isEmpty()) {
      top.error("data", "a TLS credential needs both " + (tls ? "tls.crt and tls.key" : "cert and key")
          + (tls ? "" : " (or only cacert)"));
      return Optional.empty();
    }
    return Optional.of(new TlsSecret(top.ref(), certificate, key, ca));
  }

  /** {@code data[name]} decoded, else {@code stringData[name]}; {@code ""} when absent; an error unless PEM. */
  private static String value(SpecReader top, String name) {
    Optional<String> data = top.object("data").flatMap(d -> d.string(name));
    Optional<String> text = top.object("stringData").flatMap(d -> d.string(name));
    String field = (data.isPresent() ? "data." : "stringData.") + name;
    String pem;
    if (data.isPresent()) {
      try {
        pem = new String(Base64.getMimeDecoder().decode(data.get().strip()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        top.error(field, "is not base64");
        return "";
      }
    } else if (text.isPresent()) {
      pem = text.get();
    } else {
      return "";
    }
    if (!pem.contains("-----BEGIN ")) {
      top.error(field, "is not PEM (no -----BEGIN line)");
      return "";
    }
    return pem;
  }
}
