package io.bowline.tls;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.bowline.api.config.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which SPIFFE peers a trust manager accepts: the peer's trust domain must be one of {@link #trustDomains}, and,
 * when {@link #uriSanMatchers} is not empty, at least one matcher must match the peer's URI SAN (Envoy's
 * {@code CertificateValidationContext.match_typed_subject_alt_names} with {@code san_type: URI}, any-of;
 * {@code safe_regex} is an RE2 full match).
 *
 * @param trustDomains the trust domains whose SVIDs are accepted; never empty
 * @param uriSanMatchers Envoy {@code StringMatcher}s on the URI SAN; empty accepts any SPIFFE ID of a trusted
 *     trust domain
 */
public record SpiffePeerPolicy(Set<String> trustDomains, List<StringMatcher> uriSanMatchers) {

  /**
   * Copies the collections and compiles nothing yet.
   *
   * @throws IllegalArgumentException if no trust domain is given, one is malformed, or a regex does not compile
   */
  public SpiffePeerPolicy {
    trustDomains = Set.copyOf(trustDomains);
    uriSanMatchers = List.copyOf(uriSanMatchers);
    if (trustDomains.isEmpty()) {
      throw new IllegalArgumentException("a SPIFFE peer policy needs at least one trust domain");
    }
    trustDomains.forEach(SpiffeId::checkTrustDomain);
    for (StringMatcher matcher : uriSanMatchers) {
      if (matcher.kind() == StringMatcher.Kind.REGEX) {
        try {
          Pattern.compile(matcher.value());
        } catch (PatternSyntaxException e) {
          throw new IllegalArgumentException("URI SAN matcher safe_regex \"" + matcher.value()
              + "\" is not RE2: " + e.getDescription(), e);
        }
      }
    }
  }

  /** Any SPIFFE ID of {@code trustDomain}. */
  public static SpiffePeerPolicy anyIn(String trustDomain) {
    return new SpiffePeerPolicy(Set.of(trustDomain), List.of());
  }

  /** Compiles the matchers for use on the handshake path. */
  Compiled compile() {
    List<java.util.function.Predicate<String>> compiled = new ArrayList<>();
    for (StringMatcher matcher : uriSanMatchers) {
      compiled.add(predicate(matcher));
    }
    return new Compiled(this, List.copyOf(compiled));
  }

  private static java.util.function.Predicate<String> predicate(StringMatcher matcher) {
    String value = matcher.value();
    boolean ignoreCase = matcher.ignoreCase();
    String folded = value.toLowerCase(Locale.ROOT);
    return switch (matcher.kind()) {
      case EXACT -> ignoreCase ? san -> san.equalsIgnoreCase(value) : value::equals;
      case PREFIX -> ignoreCase ? san -> san.toLowerCase(Locale.ROOT).startsWith(folded) : san -> san.startsWith(value);
      case SUFFIX -> ignoreCase ? san -> san.toLowerCase(Locale.ROOT).endsWith(folded) : san -> san.endsWith(value);
      case CONTAINS -> ignoreCase ? san -> san.toLowerCase(Locale.ROOT).contains(folded) : san -> san.contains(value);
      case REGEX -> {
        Pattern pattern = Pattern.compile(value);
        yield san -> pattern.matches(san);
      }
    };
  }

  /** A policy with its matchers compiled. */
  record Compiled(SpiffePeerPolicy policy, List<java.util.function.Predicate<String>> matchers) {

    /**
     * Checks a peer's SPIFFE ID.
     *
     * @throws java.security.cert.CertificateException saying why the peer is refused
     */
    void check(SpiffeId peer) throws java.security.cert.CertificateException {
      if (!policy.trustDomains().contains(peer.trustDomain())) {
        throw new java.security.cert.CertificateException("peer " + peer + " is in trust domain "
            + peer.trustDomain() + ", which is not trusted (trusted: " + policy.trustDomains() + ")");
      }
      if (matchers.isEmpty()) {
        return;
      }
      String uri = peer.uri();
      for (java.util.function.Predicate<String> matcher : matchers) {
        if (matcher.test(uri)) {
          return;
        }
      }
      throw new java.security.cert.CertificateException("peer " + peer
          + " matches none of the subject alternative name matchers " + policy.uriSanMatchers());
    }
  }
}
