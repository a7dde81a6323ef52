package io.bowline.controlplane.istio;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An Istio {@code VirtualService} as far as it is translated: its hosts and HTTP routing rules.
 *
 * @param ref where it came from
 * @param hosts {@code spec.hosts}, as written (resolved during translation)
 * @param http the {@code spec.http[]} rules that route to destinations, in order (rules skipped with a
 *     diagnostic, such as redirects, are left out)
 */
public record VirtualService(ResourceRef ref, List<String> hosts, List<HttpRoute> http) {

  /** Copies the lists so the record stays immutable. */
  public VirtualService {
    hosts = List.copyOf(hosts);
    http = List.copyOf(http);
  }

  /**
   * One {@code spec.http[]} rule ({@code HTTPRoute}).
   *
   * @param field its field path, for example {@code spec.http[2]}
   * @param name {@code name}; {@code ""} when unset
   * @param match {@code match[]}; empty for a catch-all rule
   * @param route {@code route[]}, at least one destination
   * @param policies {@code timeout}, {@code retries}, {@code fault}, mirrors
   */
  public record HttpRoute(
      String field, String name, List<HttpMatch> match, List<Destination> route, HttpPolicies policies) {

    /** Copies the lists so the record stays immutable. */
    public HttpRoute {
      match = List.copyOf(match);
      route = List.copyOf(route);
      java.util.Objects.requireNonNull(policies, "policies");
    }

    /** A rule without timeout, retries, fault or mirrors. */
    public HttpRoute(String field, String name, List<HttpMatch> match, List<Destination> route) {
      this(field, name, match, route, HttpPolicies.NONE);
    }
  }

  /**
   * One {@code match[]} entry ({@code HTTPMatchRequest}); all set conditions must hold.
   *
   * @param name {@code name}; {@code ""} when unset
   * @param uri {@code uri}; {@code null} when unset
   * @param ignoreUriCase {@code ignoreUriCase}
   * @param headers {@code headers}, sorted by header name
   * @param port {@code port}: the rule applies only to this service port; 0 when unset
   */
  public record HttpMatch(
      String name, StringMatch uri, boolean ignoreUriCase, Map<String, StringMatch> headers, int port) {

    /** Sorts the headers by name (istiod does the same, for deterministic output). */
    public HttpMatch {
      headers = Collections.unmodifiableMap(new TreeMap<>(headers));
    }
  }

  /**
   * Istio {@code StringMatch}: one of exact, prefix or regex (RE2), or {@link Kind#PRESENT} when empty.
   *
   * @param kind which matcher
   * @param value the text or regex; {@code ""} for {@link Kind#PRESENT}
   */
  public record StringMatch(Kind kind, String value) {

    /** The matcher kind. */
    public enum Kind {
      /** {@code exact}. */
      EXACT,
      /** {@code prefix}. */
      PREFIX,
      /** {@code regex} (RE2, full match). */
      REGEX,
      /** An empty StringMatch (or {@code regex: "*"}): the header only has to be present. */
      PRESENT
    }
  }

  /**
   * One {@code route[]} entry ({@code HTTPRouteDestination}).
   *
   * @param field its field path, for example {@code spec.http[0].route[1]}
   * @param host {@code destination.host}, as written
   * @param subset {@code destination.subset}; {@code ""} when unset
   * @param port {@code destination.port.number}; 0 when unset
   * @param weight {@code weight}, relative; 0 when unset
   */
  public record Destination(String field, String host, String subset, int port, int weight) {}
}
