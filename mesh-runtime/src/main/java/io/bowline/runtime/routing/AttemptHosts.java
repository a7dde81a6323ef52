package io.bowline.runtime.routing;

import io.bowline.api.config.Endpoint;

/**
 * The {@code :authority} and {@code x-forwarded-host} that one call's successive attempts go out
 * with under {@code auto_host_rewrite}. Envoy's router keeps one request header map per call and
 * each attempt edits it in place once its host is chosen ({@code UpstreamRequest::onPoolReady}
 * calls {@code Http::Utility::updateAuthority} on {@code parent_.downstreamHeaders()}), so an
 * attempt starts from what the previous attempt was sent with, not from the call's own headers:
 * a retry to an endpoint named B after one named A sends {@code :authority: B} and, under
 * {@code append_x_forwarded_host}, {@code x-forwarded-host} with A appended after the call's
 * authority (A is not appended again while it is the last value); an endpoint without a host
 * name changes neither, so it gets the previous attempt's authority.
 *
 * <p>Created per call by {@link RequestMutation#attemptHosts} only when the route sets
 * {@code auto_host_rewrite}. Attempts of a call are sequential; not thread-safe.
 */
public final class AttemptHosts {
  private final RequestMutation mutation;
  private String authority;
  private String forwardedHost;
  private boolean forwardedHostChanged;

  AttemptHosts(RequestMutation mutation, String authority, String forwardedHost) {
    this.mutation = mutation;
    this.authority = authority;
    this.forwardedHost = forwardedHost;
  }

  /**
   * Applies the rewrite for the next attempt, sent to {@code endpoint}; then {@link #authority()}
   * and {@link #forwardedHost()} are that attempt's.
   */
  public void next(Endpoint endpoint) {
    String appended = mutation.attemptForwardedHost(endpoint, authority, forwardedHost);
    if (appended != null) {
      forwardedHost = appended;
      forwardedHostChanged = true;
    }
    authority = mutation.attemptAuthority(endpoint, authority);
  }

  /** The current attempt's {@code :authority}. */
  public String authority() {
    return authority;
  }

  /**
   * The current attempt's {@code x-forwarded-host} (all values, comma-joined) when it differs from
   * the call's own, or {@code null} when the call's own is sent as it is.
   */
  public String forwardedHost() {
    return forwardedHostChanged ? forwardedHost : null;
  }
}
