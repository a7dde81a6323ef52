package io.bowline.runtime.adapter.okhttp;

import io.bowline.api.config.Endpoint;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import okhttp3.HttpUrl;

/**
 * Rewrites a request URL to an endpoint's {@code address:port}, keeping scheme, user info, path,
 * query and fragment. Setting a host on an {@link HttpUrl.Builder} canonicalises it (IDNA mapping,
 * several hundred nanoseconds even for an IP literal), so the endpoint's host is canonicalised once
 * per endpoint here and every attempt starts from that cached URL instead. Building the rest still
 * re-parses path and query (about a microsecond), so each endpoint also remembers its last
 * {@value #RECENT_URLS} rewritten URLs, direct-mapped by the original URL's text (a request sent
 * again to the same path costs a hash probe and a string comparison). The cache is bounded by
 * {@value #MAX_ENDPOINTS} endpoints; past that it starts over (endpoints churn with EDS updates).
 */
final class EndpointUrls {
  static final int MAX_ENDPOINTS = 4096;
  /** Rewritten URLs remembered per endpoint (a power of two). */
  static final int RECENT_URLS = 64;

  private static final ConcurrentHashMap<Endpoint, Target> TARGETS = new ConcurrentHashMap<>();

  /** One endpoint: its canonical base URL and its recent rewrites. */
  private static final AtomicReferenceArray<Target> RECENT_ENDPOINTS = new AtomicReferenceArray<>(256);

  private static final class Target {
    final Endpoint endpoint;
    final HttpUrl base;
    /** Slots written racily: each holds an immutable pair or null, so a reader sees one or the other. */
    final Rewritten[] recent;

    Target(Endpoint endpoint, HttpUrl base, Rewritten[] recent) {
      this.endpoint = endpoint;
      this.base = base;
      this.recent = recent;
    }
  }

  private record Rewritten(String original, HttpUrl url) {}

  private EndpointUrls() {}

  /** {@code url} sent to {@code endpoint} instead of its own host and port. */
  static HttpUrl rewrite(HttpUrl url, Endpoint endpoint) {
    Target t = target(endpoint);
    String original = url.toString();
    int slot = original.hashCode() & (RECENT_URLS - 1);
    Rewritten r = t.recent[slot];
    if (r != null && r.original.equals(original)) {
      return r.url;
    }
    HttpUrl rewritten = build(t.base, url, endpoint);
    t.recent[slot] = new Rewritten(original, rewritten);
    return rewritten;
  }

  private static HttpUrl build(HttpUrl base, HttpUrl url, Endpoint endpoint) {
    HttpUrl.Builder b = base.newBuilder()
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

  private static Target target(Endpoint endpoint) {
    // the data path passes the same Endpoint instance every time: an identity probe first (a
    // record's hashCode and equals run through method handles over all its components)
    int slot = System.identityHashCode(endpoint) & (RECENT_ENDPOINTS.length() - 1);
    Target recent = RECENT_ENDPOINTS.get(slot);
    if (recent != null && recent.endpoint == endpoint) {
      return recent;
    }
    Target t = byValue(endpoint);
    RECENT_ENDPOINTS.set(slot, t.endpoint == endpoint ? t : new Target(endpoint, t.base, t.recent));
    return t;
  }

  private static Target byValue(Endpoint endpoint) {
    Target t = TARGETS.get(endpoint);
    if (t == null) {
      if (TARGETS.size() >= MAX_ENDPOINTS) {
        TARGETS.clear();
      }
      t = new Target(endpoint, new HttpUrl.Builder().scheme("http").host(endpoint.address()).port(endpoint.port()).build(),
          new Rewritten[RECENT_URLS]);
      Target raced = TARGETS.putIfAbsent(endpoint, t);
      if (raced != null) {
        t = raced;
      }
    }
    return t;
  }
}
