package io.bowline.runtime.routing;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.PathMatcher;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The routes of one virtual host, indexed by path so a lookup need not scan them all, with
 * Envoy's first-match order kept. A route whose path matcher pins the path (case-sensitive
 * {@code path}) or its first segment (case-sensitive {@code prefix}, {@code path_separated_prefix}
 * or a {@code safe_regex} whose literal start contains {@code /segment/}) can only match requests
 * with that path or first segment; every other route is "general". For each key the candidate
 * list is the key's routes merged with the general ones in declaration order, so the first
 * candidate that matches is the first route that matches. A lookup reads the path once (its
 * query start, its hash and its first segment's hash together), does not compare again the
 * characters its key already proved (a keyed route's path specifier starts from there), and
 * allocates nothing unless a regex needs re2j.
 */
final class RouteTable {
  private final CompiledRoute[] routes;
  private final RegionMap exact;
  private final RegionMap firstSegment;
  /** Candidates for a path no key covers. */
  private final int[] general;

  RouteTable(List<CompiledRoute> routes) {
    this.routes = routes.toArray(CompiledRoute[]::new);
    Map<Integer, Integer> general = new TreeMap<>();
    Map<String, Map<Integer, Integer>> exactKeys = new HashMap<>();
    Map<String, Map<Integer, Integer>> segKeys = new HashMap<>();
    for (int i = 0; i < this.routes.length; i++) {
      CompiledRoute r = this.routes[i];
      PathMatcher m = r.route().match().path();
      boolean cs = r.route().match().caseSensitive();
      if (m instanceof PathMatcher.Exact e && cs) {
        exactKeys.computeIfAbsent(e.value(), k -> new TreeMap<>()).put(i, e.value().length());
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
        segKeys.computeIfAbsent(seg, k -> new TreeMap<>()).put(i, seg.length());
      } else {
        general.put(i, 0);
      }
    }
    this.general = candidates(general);
    this.firstSegment = new RegionMap(segKeys.size());
    for (var e : segKeys.entrySet()) {
      Map<Integer, Integer> all = new TreeMap<>(general);
      all.putAll(e.getValue());
      firstSegment.put(e.getKey(), candidates(all));
    }
    this.exact = new RegionMap(exactKeys.size());
    for (var e : exactKeys.entrySet()) {
      Map<Integer, Integer> all = new TreeMap<>(general);
      all.putAll(e.getValue());
      String seg = firstSegmentOfPath(e.getKey(), e.getKey().length());
      if (seg != null && segKeys.containsKey(seg)) {
        all.putAll(segKeys.get(seg));
      }
      exact.put(e.getKey(), candidates(all));
    }
  }

  /**
   * Route index and known length pairs, in route order. The known length is how many leading
   * characters of any path under the key are already proven equal to the route's own literal
   * start (its exact path, prefix, or regex literal prefix): the path's first segment, or all of
   * an exact path; 0 for routes the key says nothing about.
   */
  private static int[] candidates(Map<Integer, Integer> knownByRoute) {
    int[] out = new int[knownByRoute.size() * 2];
    int n = 0;
    for (var e : knownByRoute.entrySet()) {
      out[n++] = e.getKey();
      out[n++] = e.getValue();
    }
    return out;
  }

  /** The first route that matches, or {@code null}. */
  CompiledRoute find(MeshRequest request) {
    String path = request.path();
    int len = path.length();
    int hash = 0;
    int segmentHash = 0;
    int segmentEnd = -1;
    int end = 0;
    for (; end < len; end++) {
      char c = path.charAt(end);
      if (c == '?') {
        break;
      }
      hash = 31 * hash + c;
      if (c == '/' && segmentEnd < 0 && end > 0) {
        segmentEnd = end + 1;
        segmentHash = hash;
      }
    }
    int[] candidates = exact.get(path, end, hash);
    if (candidates == null) {
      candidates = segmentEnd > 0 ? firstSegment.get(path, segmentEnd, segmentHash) : null;
      if (candidates == null) {
        candidates = general;
      }
    }
    for (int k = 0; k < candidates.length; k += 2) {
      CompiledRoute r = routes[candidates[k]];
      if (r.matches(request, path, end, candidates[k + 1])) {
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
      int i = slot(hash(key));
      while (keys[i] != null) {
        i = (i + 1) & mask;
      }
      keys[i] = key;
      values[i] = value;
    }

    /** The value of the key equal to {@code s[0, len)}, whose {@link #hash} is {@code hash}. */
    int[] get(String s, int len, int hash) {
      int i = slot(hash);
      while (keys[i] != null) {
        String k = keys[i];
        if (k.length() == len && (len == s.length() ? k.equals(s) : s.startsWith(k))) {
          return values[i];
        }
        i = (i + 1) & mask;
      }
      return null;
    }

    /** The polynomial hash ({@code 31 * h + c}), as {@link #find} computes it while scanning. */
    private static int hash(String s) {
      int h = 0;
      for (int i = 0; i < s.length(); i++) {
        h = 31 * h + s.charAt(i);
      }
      return h;
    }

    /** Fibonacci hashing: similar paths spread over the table. */
    private int slot(int hash) {
      return (hash * 0x9E3779B9) >>> shift;
    }
  }
}
