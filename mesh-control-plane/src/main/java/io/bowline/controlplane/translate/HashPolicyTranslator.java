package io.bowline.controlplane.translate;

import com.google.protobuf.Duration;
import io.bowline.controlplane.istio.ConsistentHash;
import io.bowline.controlplane.istio.ConsistentHash.Cookie;
import io.bowline.controlplane.istio.ConsistentHash.Header;
import io.bowline.controlplane.istio.ConsistentHash.QueryParameter;
import io.envoyproxy.envoy.config.route.v3.RouteAction;

/**
 * Istio {@code consistentHash} hash key → one Envoy {@code RouteAction.HashPolicy} (istiod's
 * {@code consistentHashToHashPolicy}): {@code httpHeaderName} → {@code header.header_name};
 * {@code httpCookie} → {@code cookie{name, path, ttl}} ({@code ttl} only when set); {@code useSourceIp} →
 * {@code connection_properties.source_ip}; {@code httpQueryParameterName} → {@code query_parameter.name}.
 */
final class HashPolicyTranslator {

  private HashPolicyTranslator() {}

  static RouteAction.HashPolicy hashPolicy(ConsistentHash hash) {
    RouteAction.HashPolicy.Builder policy = RouteAction.HashPolicy.newBuilder();
    if (hash.key() instanceof Header header) {
      policy.setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(header.name()));
    } else if (hash.key() instanceof Cookie cookie) {
      RouteAction.HashPolicy.Cookie.Builder c = RouteAction.HashPolicy.Cookie.newBuilder()
          .setName(cookie.name()).setPath(cookie.path());
      if (cookie.ttl() != null) {
        c.setTtl(Duration.newBuilder().setSeconds(cookie.ttl().getSeconds()).setNanos(cookie.ttl().getNano()));
      }
      policy.setCookie(c);
    } else if (hash.key() instanceof QueryParameter query) {
      policy.setQueryParameter(RouteAction.HashPolicy.QueryParameter.newBuilder().setName(query.name()));
    } else {
      policy.setConnectionProperties(RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true));
    }
    return policy.build();
  }
}
