package io.bowline.runtime.routing;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The routes of one virtual host, indexed by path so a lookup need not scan them all, with
 * Envoy's first-match order kept. A route whose path matcher pins the path (case-sensitive
 * {@code path}) or its first segment (case-sensitive {@code prefix}, {@code path_separated_prefix}
 * or a {@code safe_regex} whose literal start contains {@code /segment/}) can only match requests
 * with that path or first segment; every other route is "general". For each key the candidate
 * list is the key's routes merged with the general ones in declaration order, so the first
 * candidate that matches is the first route that matches. Lookups allocate nothing unless the
 * path carries a query.
 */
final class RouteTable {
  private final CompiledRoute[] routes;
  private final RegionMap exact;
  private final RegionMap firstSegment;
  private final int[] general;

  RouteTable(List<CompiledRoute> routes) {
    this.routes = routes.toArray(CompiledRoute[]::new);
    List<Integer> generalList = new ArrayList<>();
    java.util.Map<String, TreeSet<Integer>> exactKeys = new java.util.HashMap<>();
    java.util.Map<String, TreeSet<Integer>> segKeys = new java.util.HashMap<>();
    for (int i = 0; i < this.routes.length; i++) {
      CompiledRoute r = this.routes[i];
      PathMatcher m = r.route().match().path();
      boolean cs = r.route().match().caseSensitive();
      if (m instanceof PathMatcher.Exact e && cs) {
        exactKeys.computeIfAbsent(e.value(), k -> new TreeSet<>()).add(i);
        continue;
      }
      String seg = null;
      if (m instanceof PathMatcher.Prefix p && cs) {
        seg = firstSegment(p.value());
      } else if (m instanceof PathMatcher.SeparatedPrefix p && cs) {
        seg = firstSegment(p.value());
      } else if (m instanceof PathMatcher.Regex rx) {
        seg = firstSegment(literalPrefix(rx.regex()));
      }
      if (seg != null) {
        segKeys.computeIfAbsent(seg, k -> new TreeSet<>()).add(i);
      } else {
        generalList.add(i);
      }
    }
    this.general = generalList.stream().mapToInt(Integer::intValue).toArray();
    this.firstSegment = new RegionMap(segKeys.size());
    for (var e : segKeys.entrySet()) {
      TreeSet<Integer> all = new TreeSet<>(e.getValue());
      generalList.forEach(all::add);
      firstSegment.put(e.getKey(), all.stream().mapToInt(Integer::intValue).toArray());
    }
    this.exact = new RegionMap(exactKeys.size());
    for (var e : exactKeys.entrySet()) {
      TreeSet<Integer> all = new TreeSet<>(e.getValue());
      generalList.forEach(all::add);
      String seg = firstSegmentOfPath(e.getKey(), e.getKey().length());
      if (seg != null && segKeys.containsKey(seg)) {
        all.addAll(segKeys.get(seg));
      }
      exact.put(e.getKey(), all.stream().mapToInt(Integer::intValue).toArray());
    }
  }

  /** The first route that matches, or {@code null}. */
  CompiledRoute find(MeshRequest request) {
    String path = request.path();
    int end = PathRewriter.pathLength(path);
    int[] candidates = exact.get(path, end);
    if (candidates == null) {
      int slash = path.indexOf('/', 1);
      candidates = slash > 0 && slash < end ? firstSegment.get(path, slash + 1) : null;
      if (candidates == null) {
        candidates = general;
      }
    }
    for (int i : candidates) {
      CompiledRoute r = routes[i];
      if (r.matches(request)) {
        return r;
      }
    }
    return null;
  }

  /** {@code /seg/} if the literal starts with a complete first segment, else {@code null}. */
  static String firstSegment(String literal) {
    if (literal == null || literal.length() < 3 || literal.charAt(0) != '/') {
      return null;
    }
    int slash = literal.indexOf('/', 1);
    if (slash < 0) {
      return null;
    }
    String seg = literal.substring(0, slash + 1);
    return seg.indexOf('?') >= 0 || seg.indexOf('#') >= 0 ? null : seg;
  }

  private static String firstSegmentOfPath(String path, int end) {
    int slash = path.indexOf('/', 1);
    return slash > 0 && slash < end ? path.substring(0, slash + 1) : null;
  }

  /**
   * The literal text every full match of an RE2 regex must start with, or {@code ""}. Any
   * alternation makes it {@code ""}; a quantifier drops the character it applies to.
   */
  static String literalPrefix(String regex) {
    if (regex.indexOf('|') >= 0) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if ("*?{+".indexOf(c) >= 0) {
        if (out.length() > 0) {
          out.setLength(out.length() - 1);
        }
        break;
      }
      if ("\\.()[]^$".indexOf(c) >= 0) {
        break;
      }
      out.append(c);
    }
    return out.toString();
  }

  /** An open-addressing map from a string to routes, looked up by a region of another string. */
  private static final class RegionMap {
    private final String[] keys;
    private final int[][] values;
    private final int mask;
    private final int shift;

    RegionMap(int size) {
      int cap = Integer.highestOneBit(Math.max(4, size * 2) - 1) << 1;
      keys = new String[cap];
      values = new int[cap][];
      mask = cap - 1;
      shift = 32 - Integer.numberOfTrailingZeros(cap);
    }

    void put(String key, int[] value) {
      int i = slot(key, key.length());
      while (keys[i] != null) {
        i = (i + 1) & mask;
      }
      keys[i] = key;
      values[i] = value;
    }

    int[] get(String s, int len) {
      int i = slot(s, len);
      while (keys[i] != null) {
        String k = keys[i];
        if (k.length() == len && s.regionMatches(0, k, 0, len)) {
          return values[i];
        }
        i = (i + 1) & mask;
      }
      return null;
    }

    /** Fibonacci hashing of the polynomial hash: similar paths spread over the table. */
    private int slot(String s, int len) {
      int h = 0;
      for (int i = 0; i < len; i++) {
        h = 31 * h + s.charAt(i);
      }
      return (h * 0x9E3779B9) >>> shift;
    }
  }
}
