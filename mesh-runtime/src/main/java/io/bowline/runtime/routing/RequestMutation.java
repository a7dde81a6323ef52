package io.bowline.runtime.routing;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.HeaderMutations;
import java.util.ArrayList;
import java.util.List;

/**
 * What routing does to a forwarded request and its response, compiled once per route (and per
 * weighted cluster): the path rewrite, the {@code :authority} rewrite ({@link HostRewriter};
 * the route's wins over the weighted cluster's literal; {@code auto_host_rewrite} is applied per
 * attempt through {@link #attemptHosts}, over whatever the previous attempt went out with, as
 * Envoy's router does when the upstream host is chosen), and the header edits of every level. Levels apply
 * from the weighted cluster to the route configuration (Envoy's default order) or the reverse with
 * {@code most_specific_header_mutations_wins}; each level removes before it adds. Transport
 * agnostic: adapters apply it through a {@link RequestEditor} and a {@link HeaderEditor}.
 */
public final class RequestMutation {
  /** Header Envoy keeps the pre-rewrite path in. */
  public static final String ORIGINAL_PATH_HEADER = "x-envoy-original-path";
  /** Header {@code append_x_forwarded_host} appends the replaced host to. */
  public static final String FORWARDED_HOST_HEADER = "x-forwarded-host";

  /** Changes nothing. */
  public static final RequestMutation NONE = new RequestMutation(null, null, false, false, List.of());

  private final PathRewriter path;
  private final HostRewriter authority;
  private final boolean autoHost;
  private final boolean appendForwardedHost;
  private final HeaderMutations[] levels;
  private final boolean requestHeaders;
  private final boolean responseHeaders;

  RequestMutation(
      PathRewriter path, HostRewriter authority, boolean autoHost, boolean appendForwardedHost, List<HeaderMutations> levels) {
    this.path = path;
    this.authority = authority;
    this.autoHost = autoHost;
    this.appendForwardedHost = appendForwardedHost;
    List<HeaderMutations> nonEmpty = new ArrayList<>();
    boolean req = false;
    boolean resp = false;
    for (HeaderMutations m : levels) {
      if (!m.isEmpty()) {
        nonEmpty.add(m);
        req |= !m.requestHeadersToAdd().isEmpty() || !m.requestHeadersToRemove().isEmpty();
        resp |= !m.responseHeadersToAdd().isEmpty() || !m.responseHeadersToRemove().isEmpty();
      }
    }
    this.levels = nonEmpty.toArray(HeaderMutations[]::new);
    this.requestHeaders = req;
    this.responseHeaders = resp;
  }

  /**
   * @param authority the request-time host rewrite, or {@code null}
   * @param autoHost {@code auto_host_rewrite}
   * @param appendForwardedHost {@code append_x_forwarded_host}, for {@code authority} and {@code autoHost}
   */
  static RequestMutation of(
      PathRewriter path, HostRewriter authority, boolean autoHost, boolean appendForwardedHost, List<HeaderMutations> levels) {
    RequestMutation m = new RequestMutation(path, authority, autoHost, appendForwardedHost, levels);
    return m.isEmpty() ? NONE : m;
  }

  /**
   * Whether the request changes before any host is picked (path, authority or headers);
   * {@code auto_host_rewrite} is not counted (see {@link #autoHostRewrite()}).
   */
  public boolean changesRequest() {
    return path != null || authority != null || requestHeaders;
  }

  /** Whether the response headers are edited. */
  public boolean changesResponse() {
    return responseHeaders;
  }

  /** Whether each attempt's {@code :authority} is the chosen endpoint's host name ({@code auto_host_rewrite}). */
  public boolean autoHostRewrite() {
    return autoHost;
  }

  /**
   * The {@code :authority} of an attempt sent to {@code endpoint}: under {@code auto_host_rewrite}
   * the endpoint's {@link Endpoint#hostname() hostname} as it is (no port), when it has one;
   * otherwise {@code authority}. Allocation-free.
   *
   * @param endpoint the endpoint the load balancer chose for this attempt
   * @param authority the authority the attempt starts from (see {@link AttemptHosts})
   */
  String attemptAuthority(Endpoint endpoint, String authority) {
    if (!autoHost) {
      return authority;
    }
    String hostname = endpoint.hostname();
    return hostname.isEmpty() ? authority : hostname;
  }

  /**
   * The {@code x-forwarded-host} of an attempt that {@link #attemptAuthority} sends to a new host
   * under {@code append_x_forwarded_host}, or {@code null} when it stays as it is (no rewrite, the
   * field unset, or {@code authority} already its last value): {@code authority} appended, as
   * Envoy's {@code Http::Utility::updateAuthority} does.
   *
   * @param endpoint the endpoint the load balancer chose for this attempt
   * @param authority the authority the attempt starts from (see {@link AttemptHosts})
   * @param forwardedHost the {@code x-forwarded-host} the attempt starts from, or {@code null}
   */
  String attemptForwardedHost(Endpoint endpoint, String authority, String forwardedHost) {
    if (!autoHost || !appendForwardedHost || endpoint.hostname().isEmpty()) {
      return null;
    }
    return appended(forwardedHost, authority);
  }

  /**
   * The per-call state of {@code auto_host_rewrite} across attempts, or {@code null} when the
   * route does not set it (nothing is allocated then).
   *
   * @param authority the authority the request has after the other rewrites
   * @param forwardedHost the request's {@code x-forwarded-host} (values joined by commas), or
   *     {@code null}; only read under {@code append_x_forwarded_host}
   */
  public AttemptHosts attemptHosts(String authority, String forwardedHost) {
    return autoHost ? new AttemptHosts(this, authority, appendForwardedHost ? forwardedHost : null) : null;
  }

  /** Whether {@code auto_host_rewrite} comes with {@code append_x_forwarded_host}. */
  public boolean appendsForwardedHost() {
    return autoHost && appendForwardedHost;
  }

  /** {@code forwardedHost} with {@code host} appended, or {@code null} if unchanged (Envoy's {@code updateAuthority}). */
  private static String appended(String forwardedHost, String host) {
    if (host == null || host.isEmpty()) {
      return null;
    }
    if (forwardedHost == null || forwardedHost.isEmpty()) {
      return host;
    }
    int comma = forwardedHost.lastIndexOf(',');
    String last = forwardedHost.substring(comma + 1).trim();
    return last.equals(host) ? null : forwardedHost + "," + host;
  }

  boolean isEmpty() {
    return !changesRequest() && !changesResponse() && !autoHost;
  }

  /**
   * The literal {@code :authority} the request goes out with ({@code host_rewrite_literal}), or
   * {@code null} if the original is kept or the rewrite depends on the request.
   */
  public String authorityRewrite() {
    return authority == null ? null : authority.literal();
  }

  /**
   * Applies path and authority rewrites and request header edits.
   *
   * @param original the request as routing saw it
   * @param editor the adapter's request under construction
   */
  public void applyToRequest(MeshRequest original, RequestEditor editor) {
    if (path != null) {
      String rewritten = path.rewrite(original.path());
      if (!rewritten.equals(original.path())) {
        editor.path(rewritten);
        editor.set(ORIGINAL_PATH_HEADER, original.path());
      }
    }
    String host = authority == null ? null : authority.host(original);
    if (host != null) {
      if (appendForwardedHost && !autoHost) { // with auto_host_rewrite, this is a weighted cluster's literal
        List<String> current = editor.values(FORWARDED_HOST_HEADER);
        String xfh = appended(current.isEmpty() ? null : String.join(",", current), original.authority());
        if (xfh != null) {
          editor.set(FORWARDED_HOST_HEADER, xfh);
        }
      }
      editor.authority(host);
    }
    for (HeaderMutations m : levels) {
      HeaderOps.apply(m.requestHeadersToRemove(), m.requestHeadersToAdd(), editor);
    }
  }

  /** Applies response header edits (removals, then additions, level by level). */
  public void applyToResponse(HeaderEditor editor) {
    for (HeaderMutations m : levels) {
      HeaderOps.apply(m.responseHeadersToRemove(), m.responseHeadersToAdd(), editor);
    }
  }
}
