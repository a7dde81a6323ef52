package io.bowline.controlplane.istio;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An Istio {@code VirtualService} as far as it is translated: its hosts, HTTP and TCP routing rules.
 *
 * @param ref where it came from
 * @param hosts {@code spec.hosts}, as written (resolved during translation)
 * @param http the {@code spec.http[]} rules, in order (rules skipped with a diagnostic, such as delegates,
 *     are left out)
 * @param tcp the {@code spec.tcp[]} rules, in order (the routes of the sidecars' TCP listeners)
 */
public record VirtualService(ResourceRef ref, List<String> hosts, List<HttpRoute> http, List<TcpRoute> tcp) {

  /** Copies the lists so the record stays immutable. */
  public VirtualService {
    hosts = List.copyOf(hosts);
    http = List.copyOf(http);
    tcp = tcp == null ? List.of() : List.copyOf(tcp);
  }

  /** A VirtualService without TCP rules. */
  public VirtualService(ResourceRef ref, List<String> hosts, List<HttpRoute> http) {
    this(ref, hosts, http, List.of());
  }

  /**
   * One {@code spec.tcp[]} rule ({@code TCPRoute}).
   *
   * @param field its field path, for example {@code spec.tcp[0]}
   * @param ports the {@code match[].port} values it is limited to; empty when it matches every port
   * @param route {@code route[]}: where the connection goes (one destination, or weighted)
   */
  public record TcpRoute(String field, List<Integer> ports, List<Destination> route) {

    /** Copies the lists so the record stays immutable. */
    public TcpRoute {
      ports = List.copyOf(ports);
      route = List.copyOf(route);
    }

    /**
     * Whether the rule applies to the service port {@code port} (Istio: a rule without a port match applies
     * to every port).
     *
     * @param port the service port
     * @return whether a match names it, or no match names a port
     */
    public boolean matches(int port) {
      return ports.isEmpty() || ports.contains(port);
    }
  }

  /**
   * One {@code spec.http[]} rule ({@code HTTPRoute}).
   *
   * @param field its field path, for example {@code spec.http[2]}
   * @param name {@code name}; {@code ""} when unset
   * @param match {@code match[]}; empty for a catch-all rule
   * @param route {@code route[]}; empty exactly when {@code redirect} or {@code directResponse} is set
   * @param redirect {@code redirect}; {@code null} when unset
   * @param directResponse {@code directResponse}; {@code null} when unset
   * @param rewrite {@code rewrite}; {@code null} when unset
   * @param headers {@code headers} (route level)
   * @param policies {@code timeout}, {@code retries}, {@code fault}, mirrors
   */
  public record HttpRoute(
      String field,
      String name,
      List<HttpMatch> match,
      List<Destination> route,
      Redirect redirect,
      DirectResponse directResponse,
      Rewrite rewrite,
      Headers headers,
      HttpPolicies policies) {

    /** Copies the lists so the record stays immutable. */
    public HttpRoute {
      match = List.copyOf(match);
      route = List.copyOf(route);
      headers = headers == null ? Headers.NONE : headers;
      policies = policies == null ? HttpPolicies.NONE : policies;
    }

    /** A rule that only routes to destinations. */
    public HttpRoute(String field, String name, List<HttpMatch> match, List<Destination> route) {
      this(field, name, match, route, null, null, null, Headers.NONE, HttpPolicies.NONE);
    }

    /** A rule that routes to destinations with these policies. */
    public HttpRoute(
        String field, String name, List<HttpMatch> match, List<Destination> route, HttpPolicies policies) {
      this(field, name, match, route, null, null, null, Headers.NONE, policies);
    }

    /** A rule without timeout, retries, fault or mirrors. */
    public HttpRoute(
        String field, String name, List<HttpMatch> match, List<Destination> route, Redirect redirect,
        DirectResponse directResponse, Rewrite rewrite, Headers headers) {
      this(field, name, match, route, redirect, directResponse, rewrite, headers, HttpPolicies.NONE);
    }
  }

  /**
   * {@code HTTPRedirect}.
   *
   * @param uri {@code uri}, replaces the path; {@code ""} keeps it
   * @param authority {@code authority}, replaces the host; {@code ""} keeps it
   * @param port {@code port}; 0 keeps it
   * @param scheme {@code scheme}; {@code ""} keeps it
   * @param redirectCode {@code redirectCode}, the HTTP status (301 when unset)
   */
  public record Redirect(String uri, String authority, int port, String scheme, int redirectCode) {}

  /**
   * {@code HTTPDirectResponse}.
   *
   * @param status {@code status}, the HTTP status code
   * @param bodyString {@code body.string}; {@code ""} when unset
   * @param bodyBytes {@code body.bytes} decoded from base64; empty when unset
   */
  public record DirectResponse(int status, String bodyString, List<Byte> bodyBytes) {

    /** Copies the bytes so the record stays immutable. */
    public DirectResponse {
      bodyBytes = List.copyOf(bodyBytes);
    }
  }

  /**
   * {@code HTTPRewrite}.
   *
   * @param uri {@code uri}: replaces the matched prefix (or the whole path); {@code ""} when unset
   * @param regexMatch {@code uriRegexRewrite.match} (RE2); {@code ""} when unset
   * @param regexRewrite {@code uriRegexRewrite.rewrite}, with {@code \1}-style group references
   * @param authority {@code authority}: replaces the Host/:authority header; {@code ""} when unset
   */
  public record Rewrite(String uri, String regexMatch, String regexRewrite, String authority) {}

  /**
   * {@code Headers}: what to change in the request sent upstream and in the response returned.
   *
   * @param request {@code request}
   * @param response {@code response}
   */
  public record Headers(HeaderOperations request, HeaderOperations response) {

    /** No header changes. */
    public static final Headers NONE = new Headers(HeaderOperations.NONE, HeaderOperations.NONE);

    /** Whether nothing is changed. */
    public boolean isEmpty() {
      return request.isEmpty() && response.isEmpty();
    }
  }

  /**
   * {@code Headers.HeaderOperations}.
   *
   * @param set {@code set}: overwrite (or add) these headers, in document order
   * @param add {@code add}: append these values, in document order
   * @param remove {@code remove}: header names to remove
   */
  public record HeaderOperations(Map<String, String> set, Map<String, String> add, List<String> remove) {

    /** No operation. */
    public static final HeaderOperations NONE = new HeaderOperations(Map.of(), Map.of(), List.of());

    /** Copies, keeping the document order. */
    public HeaderOperations {
      set = Collections.unmodifiableMap(new LinkedHashMap<>(set));
      add = Collections.unmodifiableMap(new LinkedHashMap<>(add));
      remove = List.copyOf(remove);
    }

    /** Whether there is nothing to do. */
    public boolean isEmpty() {
      return set.isEmpty() && add.isEmpty() && remove.isEmpty();
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
   * @param method {@code method}; {@code null} when unset
   * @param authority {@code authority}; {@code null} when unset
   * @param scheme {@code scheme}; {@code null} when unset
   * @param queryParams {@code queryParams}, sorted by parameter name
   * @param withoutHeaders {@code withoutHeaders}, sorted by header name
   * @param sourceLabels {@code sourceLabels}: the rule applies only to clients carrying all these labels
   * @param sourceNamespace {@code sourceNamespace}: the rule applies only to clients in it; {@code ""} when
   *     unset
   * @param gateways {@code gateways}: the match applies only on these ({@code mesh}, or {@code namespace/name} of
   *     a Gateway, a bare name resolved in the VirtualService's namespace), instead of the VirtualService's
   *     {@code gateways}; empty when unset
   */
  public record HttpMatch(
      String name,
      StringMatch uri,
      boolean ignoreUriCase,
      Map<String, StringMatch> headers,
      int port,
      StringMatch method,
      StringMatch authority,
      StringMatch scheme,
      Map<String, StringMatch> queryParams,
      Map<String, StringMatch> withoutHeaders,
      Map<String, String> sourceLabels,
      String sourceNamespace,
      List<String> gateways) {

    /** Sorts the headers and parameters by name (istiod does the same, for deterministic output). */
    public HttpMatch {
      headers = Collections.unmodifiableMap(new TreeMap<>(headers));
      queryParams = Collections.unmodifiableMap(new TreeMap<>(queryParams));
      withoutHeaders = Collections.unmodifiableMap(new TreeMap<>(withoutHeaders));
      sourceLabels = Collections.unmodifiableMap(new TreeMap<>(sourceLabels));
      sourceNamespace = sourceNamespace == null ? "" : sourceNamespace;
      gateways = gateways == null ? List.of() : List.copyOf(gateways);
    }

    /** A match that applies on every gateway its VirtualService is bound to. */
    public HttpMatch(String name, StringMatch uri, boolean ignoreUriCase, Map<String, StringMatch> headers, int port,
        StringMatch method, StringMatch authority, StringMatch scheme, Map<String, StringMatch> queryParams,
        Map<String, StringMatch> withoutHeaders, Map<String, String> sourceLabels, String sourceNamespace) {
      this(name, uri, ignoreUriCase, headers, port, method, authority, scheme, queryParams, withoutHeaders,
          sourceLabels, sourceNamespace, List.of());
    }

    /**
     * Whether the match applies on {@code gateway} ({@code mesh} for sidecars, else {@code namespace/name}):
     * always when it names no gateways (its VirtualService's apply), else when it names this one.
     */
    public boolean appliesOn(String gateway) {
      return gateways.isEmpty() || gateways.contains(gateway);
    }

    /** A match on uri, headers and port only. */
    public HttpMatch(
        String name, StringMatch uri, boolean ignoreUriCase, Map<String, StringMatch> headers, int port) {
      this(name, uri, ignoreUriCase, headers, port, null, null, null, Map.of(), Map.of(), Map.of(), "");
    }

    /**
     * Whether a client with these labels in this namespace may use this match ({@code sourceLabels} and
     * {@code sourceNamespace}, which istiod evaluates per proxy when it builds the routes).
     */
    public boolean appliesToSource(Map<String, String> clientLabels, String clientNamespace) {
      if (!sourceNamespace.isEmpty() && !sourceNamespace.equals(clientNamespace)) {
        return false;
      }
      return sourceLabels.entrySet().stream()
          .allMatch(label -> label.getValue().equals(clientLabels.get(label.getKey())));
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
   * @param headers {@code headers} applied when this destination is picked
   */
  public record Destination(String field, String host, String subset, int port, int weight, Headers headers) {

    /** Defaults {@code headers} to none. */
    public Destination {
      headers = headers == null ? Headers.NONE : headers;
    }

    /** A destination without header changes. */
    public Destination(String field, String host, String subset, int port, int weight) {
      this(field, host, subset, port, weight, Headers.NONE);
    }
  }
}
