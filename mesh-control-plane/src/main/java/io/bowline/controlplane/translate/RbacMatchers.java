package io.bowline.controlplane.translate;

import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ListMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.util.List;

/**
 * The Envoy matchers istiod's authorization model writes for Istio's string forms: exact {@code abc},
 * prefix {@code abc*}, suffix {@code *abc} and presence {@code *} (a non-empty value: RE2 {@code .+}), and the
 * RBAC {@code Permission}/{@code Principal} combinators ({@code and_rules}/{@code or_rules}/{@code not_rule},
 * {@code and_ids}/{@code or_ids}/{@code not_id}).
 */
final class RbacMatchers {

  /** The SPIFFE URI scheme istiod puts in front of a principal. */
  static final String SPIFFE = "spiffe://";
  /** The filter metadata namespace in which Istio's sidecar writes JWT claims ({@code request.auth.*}). */
  static final String AUTHN_FILTER = "istio_authn";

  private RbacMatchers() {}

  /** {@code value} in Istio's forms, with {@code prefix} in front of the written value (not of {@code *}). */
  static StringMatcher string(String value, String prefix) {
    if (value.equals("*")) {
      return regex(".+");
    }
    if (value.startsWith("*")) {
      return prefix.isEmpty()
          ? StringMatcher.newBuilder().setSuffix(value.substring(1)).build()
          : regex(prefix + ".*" + value.substring(1));
    }
    if (value.endsWith("*")) {
      return StringMatcher.newBuilder().setPrefix(prefix + value.substring(0, value.length() - 1)).build();
    }
    return StringMatcher.newBuilder().setExact(prefix + value).build();
  }

  /** An RE2 regex matcher ({@code safe_regex} with the {@code google_re2} engine, as istiod writes it). */
  @SuppressWarnings("deprecation")
  static StringMatcher regex(String regex) {
    return StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder()
        .setGoogleRe2(RegexMatcher.GoogleRE2.getDefaultInstance())
        .setRegex(regex)).build();
  }

  /** A header matcher: {@code *} is {@code present_match}, the other forms a {@code string_match}. */
  static HeaderMatcher header(String name, String value, boolean ignoreCase) {
    HeaderMatcher.Builder header = HeaderMatcher.newBuilder().setName(name);
    if (value.equals("*")) {
      return header.setPresentMatch(true).build();
    }
    StringMatcher.Builder match = string(value, "").toBuilder();
    if (ignoreCase) {
      match.setIgnoreCase(true);
    }
    return header.setStringMatch(match).build();
  }

  /** A CIDR range from {@code 10.0.0.0/8} or a single address (prefix length 32, or 128 for IPv6). */
  static CidrRange cidr(String value) throws RbacTranslator.Unsupported {
    int slash = value.indexOf('/');
    String address = slash < 0 ? value : value.substring(0, slash);
    if (!com.google.common.net.InetAddresses.isInetAddress(address)) {
      throw new RbacTranslator.Unsupported("'" + value + "' is not an IP address or CIDR range");
    }
    int max = address.contains(":") ? 128 : 32;
    int length = max;
    if (slash >= 0) {
      String bits = value.substring(slash + 1);
      if (!bits.matches("[0-9]{1,3}") || Integer.parseInt(bits) > max) {
        throw new RbacTranslator.Unsupported("'" + value + "' has an invalid prefix length");
      }
      length = Integer.parseInt(bits);
    }
    return CidrRange.newBuilder().setAddressPrefix(address)
        .setPrefixLen(com.google.protobuf.UInt32Value.of(length)).build();
  }

  /** A metadata matcher on the JWT claim path {@code claims} that Istio's sidecar writes under {@value #AUTHN_FILTER}. */
  static MetadataMatcher jwtClaim(List<String> claims, StringMatcher value) {
    MetadataMatcher.Builder matcher = MetadataMatcher.newBuilder().setFilter(AUTHN_FILTER)
        .addPath(MetadataMatcher.PathSegment.newBuilder().setKey("request.auth.claims"));
    claims.forEach(claim -> matcher.addPath(MetadataMatcher.PathSegment.newBuilder().setKey(claim)));
    return matcher.setValue(ValueMatcher.newBuilder().setListMatch(ListMatcher.newBuilder()
        .setOneOf(ValueMatcher.newBuilder().setStringMatch(value)))).build();
  }

  static Permission any() {
    return Permission.newBuilder().setAny(true).build();
  }

  static Permission and(List<Permission> rules) {
    return Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(rules)).build();
  }

  static Permission or(List<Permission> rules) {
    return Permission.newBuilder().setOrRules(Permission.Set.newBuilder().addAllRules(rules)).build();
  }

  static Permission not(Permission rule) {
    return Permission.newBuilder().setNotRule(rule).build();
  }

  static Principal anyId() {
    return Principal.newBuilder().setAny(true).build();
  }

  static Principal andIds(List<Principal> ids) {
    return Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(ids)).build();
  }

  static Principal orIds(List<Principal> ids) {
    return Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(ids)).build();
  }

  static Principal notId(Principal id) {
    return Principal.newBuilder().setNotId(id).build();
  }

  /** {@code authenticated.principal_name}: the peer certificate's URI SAN (gRFC A41). */
  static Principal authenticated(StringMatcher name) {
    return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(name)).build();
  }
}
