package io.bowline.runtime.okhttp;

import io.bowline.api.config.Endpoint;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.HttpUrl;

/**
 * Rewrites a request URL to an endpoint's {@code address:port}, keeping scheme, user info, path,
 * query and fragment. Setting a host on an {@link HttpUrl.Builder} canonicalises it (IDNA mapping,
 * several hundred nanoseconds even for an IP literal), so the endpoint's host is canonicalised once
 * per endpoint here and every attempt starts from that cached URL instead. The cache is bounded by
 * {@value #MAX_ENDPOINTS} endpoints; past that it starts over (endpoints churn with EDS updates).
 */
final class EndpointUrls {
  static final int MAX_ENDPOINTS = 4096;

  private static final ConcurrentHashMap<Endpoint, HttpUrl> BASES = new ConcurrentHashMap<>();

  private EndpointUrls() {}

  /** {@code url} sent to {@code endpoint} instead of its own host and port. */
  static HttpUrl rewrite(HttpUrl url, Endpoint endpoint) {
    HttpUrl.Builder b = base(endpoint).newBuilder()
        .scheme(url.scheme())
        .port(endpoint.port()) // explicit: the base's port is dropped when it is its scheme's default
        .encodedPath(url.encodedPath())
        .encodedQuery(url.encodedQuery())
        .encodedFragment(url.encodedFragment());
    if (!url.encodedUsername().isEmpty()) {
      b.encodedUsername(url.encodedUsername());
    }
    if (!url.encodedPassword().isEmpty()) {
      b.encodedPassword(url.encodedPassword());
    }
    return b.build();
  }

  private static HttpUrl base(Endpoint endpoint) {
    HttpUrl base = BASES.get(endpoint);
    if (base == null) {
      if (BASES.size() >= MAX_ENDPOINTS) {
        BASES.clear();
      }
      base = new HttpUrl.Builder().scheme("http").host(endpoint.address()).port(endpoint.port()).build();
      BASES.putIfAbsent(endpoint, base);
    }
    return base;
  }
}
