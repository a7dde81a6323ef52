package io.bowline.runtime.adapter.okhttp;

import io.bowline.runtime.pipeline.MeshExchange;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * An OkHttp {@link Request} seen as a {@link io.bowline.api.MeshRequest}: stable, as OkHttp's requests are immutable
 * (the path is cached once, the same string whichever thread makes it).
 */
final class OkHttpMeshRequest implements MeshExchange.StableRequest {
  private final Request request;
  private final String authority;
  private String path;

  OkHttpMeshRequest(Request request) {
    this.request = request;
    String host = request.header("Host");
    this.authority = host != null ? host : hostHeader(request.url());
  }

  /** The Host header OkHttp would send for this URL: the port only when it is not the default. */
  static String hostHeader(HttpUrl url) {
    String host = url.host().indexOf(':') >= 0 ? "[" + url.host() + "]" : url.host();
    return url.port() == HttpUrl.defaultPort(url.scheme()) ? host : host + ":" + url.port();
  }

  @Override
  public String authority() {
    return authority;
  }

  @Override
  public String method() {
    return request.method();
  }

  @Override
  public String path() {
    String p = path;
    if (p == null) { // route matching asks more than once; OkHttp cuts it out of the URL each time
      String query = request.url().encodedQuery();
      String encoded = request.url().encodedPath();
      p = query == null ? encoded : encoded + "?" + query;
      path = p;
    }
    return p;
  }

  @Override
  public String scheme() {
    return request.url().scheme();
  }

  @Override
  public List<String> headers(String name) {
    return request.headers(name);
  }
}
