package io.bowline.controlplane.istio;

import java.time.Duration;

/**
 * Istio {@code LoadBalancerSettings.consistentHash} ({@code ConsistentHashLB}): what a request is hashed on
 * and which hashing load balancer the cluster uses.
 *
 * @param key the hash key ({@code httpHeaderName}, {@code httpCookie}, {@code useSourceIp} or
 *     {@code httpQueryParameterName})
 * @param maglev whether {@code maglev} is set (Envoy {@code MAGLEV}); otherwise {@code RING_HASH}
 * @param minimumRingSize {@code ringHash.minimumRingSize}, else the deprecated {@code minimumRingSize}; 0 when
 *     unset (istiod then uses 1024)
 * @param tableSize {@code maglev.tableSize}; 0 when unset (Envoy's default 65537 applies)
 */
public record ConsistentHash(HashKey key, boolean maglev, long minimumRingSize, long tableSize) {

  /** What a request is hashed on; exactly one of the Istio fields. */
  public sealed interface HashKey permits Header, Cookie, SourceIp, QueryParameter {}

  /** {@code httpHeaderName}: the value of this request header. */
  public record Header(String name) implements HashKey {}

  /**
   * {@code httpCookie}: the value of this cookie.
   *
   * @param name {@code name}
   * @param path {@code path}, or empty
   * @param ttl {@code ttl}, or {@code null} when unset
   */
  public record Cookie(String name, String path, Duration ttl) implements HashKey {}

  /** {@code useSourceIp: true}: the client's source address. */
  public record SourceIp() implements HashKey {}

  /** {@code httpQueryParameterName}: the value of this query parameter. */
  public record QueryParameter(String name) implements HashKey {}
}
