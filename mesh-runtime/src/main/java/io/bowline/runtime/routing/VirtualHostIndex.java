package io.bowline.runtime.routing;

import io.bowline.api.config.VirtualHost;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Virtual-host selection by authority in Envoy's order: exact domain, then the longest suffix
 * wildcard ({@code *.foo.com}), then the longest prefix wildcard ({@code foo.*}), then {@code *}.
 * A wildcard's {@code *} must match at least one character. Case-insensitive.
 *
 * @param <V> what a virtual host compiles to
 */
final class VirtualHostIndex<V> {
  private final Map<String, V> exact = new HashMap<>();
  private final List<Map.Entry<String, V>> suffixes = new ArrayList<>();
  private final List<Map.Entry<String, V>> prefixes = new ArrayList<>();
  private V star;

  /**
   * @throws IllegalArgumentException if a domain appears twice or {@code *} in two virtual hosts
   */
  VirtualHostIndex(List<VirtualHost> hosts, java.util.function.Function<VirtualHost, V> compile) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (VirtualHost vh : hosts) {
      V compiled = compile.apply(vh);
      for (String d : vh.domains()) {
        String domain = d.toLowerCase(Locale.ROOT);
        if (!seen.add(domain)) {
          throw new IllegalArgumentException(
              "virtual_hosts[" + vh.name() + "].domains: domain '" + d + "' appears in more than one virtual host");
        }
        if (domain.equals("*")) {
          star = compiled;
        } else if (domain.startsWith("*")) {
          suffixes.add(Map.entry(domain.substring(1), compiled));
        } else if (domain.endsWith("*")) {
          prefixes.add(Map.entry(domain.substring(0, domain.length() - 1), compiled));
        } else {
          exact.put(domain, compiled);
        }
      }
    }
    Comparator<Map.Entry<String, V>> longestFirst =
        Comparator.comparingInt((Map.Entry<String, V> e) -> e.getKey().length()).reversed();
    suffixes.sort(longestFirst);
    prefixes.sort(longestFirst);
  }

  /** The virtual host for a (lower-cased) authority, or {@code null} (Envoy: 404 NR). */
  V find(String host) {
    V v = exact.get(host);
    if (v != null) {
      return v;
    }
    for (Map.Entry<String, V> e : suffixes) {
      if (host.length() > e.getKey().length() && host.endsWith(e.getKey())) {
        return e.getValue();
      }
    }
    for (Map.Entry<String, V> e : prefixes) {
      if (host.length() > e.getKey().length() && host.startsWith(e.getKey())) {
        return e.getValue();
      }
    }
    return star;
  }
}
