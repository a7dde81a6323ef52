package io.bowline.runtime.adapter.okhttp;

import java.net.ProtocolException;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.internal.connection.RealCall;

/**
 * OkHttp's follow-ups (redirects, a 408 retried once, a 503 with {@code Retry-After: 0} retried
 * once) as new routed exchanges of the mesh, as a sidecar would see them: each goes through
 * routing, the filter chain, retries and outlier accounting again, to whichever service it names.
 * OkHttp's own {@code RetryAndFollowUpInterceptor} sits below the mesh's application interceptor,
 * so on a mesh attempt's network response the mesh hides what would make it follow up
 * ({@link #hide}: the {@code Location} of a redirect, a {@code Retry-After} that allows a retry),
 * the attempt puts it back ({@link #restore}), and the mesh interceptor follows up itself
 * ({@link #next}) with OkHttp's rules and the client's settings ({@code followRedirects},
 * {@code followSslRedirects}, {@code retryOnConnectionFailure}).
 */
final class FollowUps {
  /** OkHttp's limit: Chrome follows 21 redirects, Firefox 20, Safari 16. */
  static final int MAX_FOLLOW_UPS = 20;
  private static final String HIDDEN_LOCATION = "x-bowline-hidden-location";
  private static final String HIDDEN_RETRY_AFTER = "x-bowline-hidden-retry-after";

  /** The tag of a mesh attempt's request. */
  enum MeshAttempt { INSTANCE }

  private FollowUps() {}

  /** A mesh attempt's network response with what would make OkHttp follow up hidden. */
  static Response hide(Response response) {
    int code = response.code();
    if (redirect(code)) {
      String location = response.header("Location");
      return location == null ? response
          : response.newBuilder().removeHeader("Location").header(HIDDEN_LOCATION, location).build();
    }
    if (code == 408 || code == 503) {
      String retryAfter = response.header("Retry-After");
      if (retryAfter == null ? code == 408 : retryAfter.trim().equals("0")) {
        return response.newBuilder().header("Retry-After", "1")
            .header(HIDDEN_RETRY_AFTER, retryAfter == null ? "" : retryAfter).build();
      }
    }
    return response;
  }

  /** The attempt's response as the upstream sent it. */
  static Response restore(Response response) {
    int code = response.code();
    if (!redirect(code) && code != 408 && code != 503) {
      return response; // hide changes no other response
    }
    String location = response.header(HIDDEN_LOCATION);
    if (location != null) {
      return response.newBuilder().removeHeader(HIDDEN_LOCATION).header("Location", location).build();
    }
    String retryAfter = response.header(HIDDEN_RETRY_AFTER);
    if (retryAfter != null) {
      Response.Builder b = response.newBuilder().removeHeader(HIDDEN_RETRY_AFTER);
      if (retryAfter.isEmpty()) {
        b.removeHeader("Retry-After");
      } else {
        b.header("Retry-After", retryAfter);
      }
      return b.build();
    }
    return response;
  }

  private static boolean redirect(int code) {
    return code == 300 || code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
  }

  /**
   * The follow-up of {@code response}, or {@code null}: OkHttp's rules with the client's settings.
   *
   * @param followUps follow-ups made so far for this call
   * @throws ProtocolException past {@value #MAX_FOLLOW_UPS} follow-ups, as OkHttp
   */
  static Request next(Interceptor.Chain chain, Response response, int followUps) throws ProtocolException {
    if (!(chain.call() instanceof RealCall call)) {
      return null;
    }
    OkHttpClient client = call.getClient();
    Request request = response.request();
    Response prior = response.priorResponse();
    int code = response.code();
    Request next = null;
    if (redirect(code) && client.followRedirects()) {
      next = redirectTo(client, request, response);
    } else if (code == 408 && client.retryOnConnectionFailure()
        && (request.body() == null || !request.body().isOneShot())
        && (prior == null || prior.code() != 408) && retryAfter(response, 0) <= 0) {
      next = request;
    } else if (code == 503 && (prior == null || prior.code() != 503) && retryAfter(response, Integer.MAX_VALUE) == 0) {
      next = request;
    }
    if (next != null && followUps >= MAX_FOLLOW_UPS) {
      throw new ProtocolException("Too many follow-up requests: " + (followUps + 1));
    }
    return next;
  }

  private static Request redirectTo(OkHttpClient client, Request request, Response response) {
    String location = response.header("Location");
    HttpUrl url = location == null ? null : request.url().resolve(location);
    if (url == null || (!url.scheme().equals(request.url().scheme()) && !client.followSslRedirects())) {
      return null;
    }
    Request.Builder b = request.newBuilder().url(url);
    String method = request.method();
    int code = response.code();
    if (!method.equals("GET") && !method.equals("HEAD") && code != 307 && code != 308) {
      b.method("GET", null).removeHeader("Transfer-Encoding").removeHeader("Content-Length").removeHeader("Content-Type");
    }
    HttpUrl from = request.url();
    if (!from.host().equals(url.host()) || from.port() != url.port() || !from.scheme().equals(url.scheme())) {
      b.removeHeader("Authorization");
    }
    b.removeHeader("Host"); // the new URL's
    return b.build();
  }

  private static int retryAfter(Response response, int absent) {
    String header = response.header("Retry-After");
    if (header == null) {
      return absent;
    }
    return header.trim().matches("\\d+") ? Integer.parseInt(header.trim()) : Integer.MAX_VALUE;
  }
}
