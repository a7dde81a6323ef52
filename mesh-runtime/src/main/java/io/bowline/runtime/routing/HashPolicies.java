package io.bowline.runtime.routing;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.HashPolicy;
import io.bowline.runtime.upstream.lb.LoadBalancer;
import io.bowline.runtime.upstream.lb.XxHash64;
import java.util.List;

/**
 * Evaluates a route's Envoy {@code hash_policy} list for one request. Each policy that yields a
 * value contributes {@code xxHash64(value)}, combined as {@code rotl(hash, 1) ^ new}; a
 * {@code terminal} policy stops the walk once a hash exists. {@code connection_properties.source_ip}
 * hashes this workload's own IP (what a sidecar sees as the downstream address of the app's
 * calls), so every call from one workload instance sticks to one host, as with Istio's
 * {@code consistentHash.useSourceIp}.
 */
public final class HashPolicies {
  /** "No hash": balancers then pick at random ({@link LoadBalancer#NO_HASH}). */
  public static final long NO_HASH = LoadBalancer.NO_HASH;

  private HashPolicies() {}

  /** The request hash without a source address (a {@code source_ip} policy yields nothing). */
  public static long hash(List<HashPolicy> policies, MeshRequest request) {
    return hash(policies, request, null);
  }

  /**
   * The request hash, or {@link #NO_HASH} when no policy yielded a value (or there are none).
   *
   * @param sourceAddress this workload's IP for {@code source_ip} policies, or {@code null} if unknown
   */
  public static long hash(List<HashPolicy> policies, MeshRequest request, String sourceAddress) {
    if (policies.isEmpty()) {
      return NO_HASH;
    }
    boolean have = false;
    long hash = 0;
    for (HashPolicy p : policies) {
      String value = p.kind() == HashPolicy.Kind.SOURCE_IP ? sourceAddress : value(p, request);
      if (value != null) {
        long h = XxHash64.hash(value);
        hash = have ? Long.rotateLeft(hash, 1) ^ h : h;
        have = true;
      }
      if (p.terminal() && have) {
        break;
      }
    }
    if (have && hash == NO_HASH) {
      hash++;
    }
    return have ? hash : NO_HASH;
  }

  private static String value(HashPolicy p, MeshRequest request) {
    switch (p.kind()) {
      case HEADER:
        return request.header(p.name());
      case COOKIE:
        return cookie(request.headers("cookie"), p.name());
      case QUERY_PARAMETER:
        return QueryParameterMatch.firstValue(request.path(), p.name());
      default:
        return null;
    }
  }

  static String cookie(List<String> headers, String name) {
    for (String header : headers) {
      for (String part : header.split(";")) {
        String kv = part.trim();
        int eq = kv.indexOf('=');
        if (eq > 0 && kv.regionMatches(0, name, 0, eq) && eq == name.length()) {
          String v = kv.substring(eq + 1);
          return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
        }
      }
    }
    return null;
  }
}
