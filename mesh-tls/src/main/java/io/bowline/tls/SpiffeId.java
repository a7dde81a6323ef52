package io.bowline.tls;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A SPIFFE ID, {@code spiffe://<trust-domain><path>}, as the SPIFFE-ID standard (section 2) defines it: the
 * trust domain is 1 to 255 characters of {@code [a-z0-9.-_]}; the path is empty or {@code /}-separated
 * segments of {@code [a-zA-Z0-9.-_]}, none empty, {@code .} or {@code ..}, and no trailing {@code /}; no
 * port, user info, query or fragment; at most 2048 bytes in all.
 *
 * @param trustDomain the trust domain name, e.g. {@code cluster.local}
 * @param path the path including its leading {@code /}, e.g. {@code /ns/default/sa/reviews}; {@code ""} for
 *     the trust domain's own ID
 */
public record SpiffeId(String trustDomain, String path) {

  /** The URI scheme prefix. */
  public static final String PREFIX = "spiffe://";
  /** The longest SPIFFE ID, in bytes, that implementations must accept. */
  public static final int MAX_BYTES = 2048;
  /** The longest trust domain name. */
  public static final int MAX_TRUST_DOMAIN = 255;

  /** @throws IllegalArgumentException naming the rule broken */
  public SpiffeId {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(path, "path");
    checkTrustDomain(trustDomain);
    checkPath(path);
    if ((PREFIX + trustDomain + path).getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new IllegalArgumentException("SPIFFE ID is longer than " + MAX_BYTES + " bytes");
    }
  }

  /**
   * Parses {@code spiffe://td/path}.
   *
   * @throws IllegalArgumentException naming the input and the rule broken
   */
  public static SpiffeId parse(String uri) {
    Objects.requireNonNull(uri, "uri");
    if (uri.length() < PREFIX.length() || !uri.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      throw new IllegalArgumentException("\"" + uri + "\" is not a SPIFFE ID: the scheme must be spiffe://");
    }
    if (!uri.startsWith(PREFIX)) {
      throw new IllegalArgumentException("\"" + uri + "\" is not a SPIFFE ID: the scheme must be lower case");
    }
    String rest = uri.substring(PREFIX.length());
    int slash = rest.indexOf('/');
    String trustDomain = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash);
    try {
      return new SpiffeId(trustDomain, path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("\"" + uri + "\" is not a SPIFFE ID: " + e.getMessage(), e);
    }
  }

  /** Istio's workload identity {@code spiffe://<td>/ns/<namespace>/sa/<serviceAccount>}. */
  public static SpiffeId istio(String trustDomain, String namespace, String serviceAccount) {
    return new SpiffeId(trustDomain, "/ns/" + namespace + "/sa/" + serviceAccount);
  }

  /** The trust domain's own ID, {@code spiffe://<td>} (what a signing certificate carries). */
  public static SpiffeId ofTrustDomain(String trustDomain) {
    return new SpiffeId(trustDomain, "");
  }

  /** {@code spiffe://td/path}. */
  public String uri() {
    return PREFIX + trustDomain + path;
  }

  /** The Istio namespace ({@code /ns/<ns>/sa/<sa>} paths), or {@code null} for any other path. */
  public String istioNamespace() {
    String[] parts = path.split("/");
    return parts.length == 5 && parts[1].equals("ns") && parts[3].equals("sa") ? parts[2] : null;
  }

  /** The Istio service account ({@code /ns/<ns>/sa/<sa>} paths), or {@code null} for any other path. */
  public String istioServiceAccount() {
    String[] parts = path.split("/");
    return parts.length == 5 && parts[1].equals("ns") && parts[3].equals("sa") ? parts[4] : null;
  }

  @Override
  public String toString() {
    return uri();
  }

  /**
   * Checks a trust domain name.
   *
   * @throws IllegalArgumentException naming the rule broken
   */
  public static void checkTrustDomain(String trustDomain) {
    if (trustDomain.isEmpty()) {
      throw new IllegalArgumentException("the trust domain is empty");
    }
    if (trustDomain.length() > MAX_TRUST_DOMAIN) {
      throw new IllegalArgumentException("the trust domain is longer than " + MAX_TRUST_DOMAIN + " characters");
    }
    for (int i = 0; i < trustDomain.length(); i++) {
      char c = trustDomain.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
        throw new IllegalArgumentException("the trust domain \"" + trustDomain + "\" has '" + c
            + "' (allowed: a-z 0-9 . - _; no port, user info or upper case)");
      }
    }
  }

  private static void checkPath(String path) {
    if (path.isEmpty()) {
      return;
    }
    if (path.charAt(0) != '/') {
      throw new IllegalArgumentException("the path must start with /");
    }
    String[] segments = path.substring(1).split("/", -1);
    for (String segment : segments) {
      if (segment.isEmpty()) {
        throw new IllegalArgumentException("the path \"" + path + "\" has an empty segment or a trailing /");
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("the path \"" + path + "\" has a relative segment " + segment);
      }
      for (int i = 0; i < segment.length(); i++) {
        char c = segment.charAt(i);
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
            || c == '-' || c == '_')) {
          throw new IllegalArgumentException("the path \"" + path + "\" has '" + c
              + "' (allowed: a-z A-Z 0-9 . - _; no query or fragment)");
        }
      }
    }
  }
}
