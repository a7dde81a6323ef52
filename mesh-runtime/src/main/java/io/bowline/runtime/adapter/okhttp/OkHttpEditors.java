package io.bowline.runtime.adapter.okhttp;

import io.bowline.runtime.routing.HeaderEditor;
import io.bowline.runtime.routing.RequestEditor;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/** OkHttp builders seen as the editors routing's {@code RequestMutation} writes through. */
final class OkHttpEditors {
  private OkHttpEditors() {}

  /** Edits a request under construction; the path goes into the URL, the authority into {@code Host}. */
  static final class Requests implements RequestEditor {
    private final Request.Builder builder;
    private HttpUrl url;

    Requests(Request.Builder builder, HttpUrl url) {
      this.builder = builder;
      this.url = url;
    }

    @Override
    public List<String> values(String name) {
      return builder.build().headers(name);
    }

    @Override
    public void add(String name, String value) {
      builder.addHeader(name, value);
    }

    @Override
    public void set(String name, String value) {
      builder.header(name, value);
    }

    @Override
    public void remove(String name) {
      builder.removeHeader(name);
    }

    @Override
    public void path(String rawPath) {
      int q = rawPath.indexOf('?');
      url = url.newBuilder()
          .encodedPath(q < 0 ? rawPath : rawPath.substring(0, q))
          .encodedQuery(q < 0 ? null : rawPath.substring(q + 1))
          .build();
      builder.url(url);
    }

    @Override
    public void authority(String authority) {
      builder.header("Host", authority);
    }
  }

  /** Edits a response under construction. */
  static final class Responses implements HeaderEditor {
    private final Response.Builder builder;

    Responses(Response.Builder builder) {
      this.builder = builder;
    }

    @Override
    public List<String> values(String name) {
      return builder.build().headers(name);
    }

    @Override
    public void add(String name, String value) {
      builder.addHeader(name, value);
    }

    @Override
    public void set(String name, String value) {
      builder.header(name, value);
    }

    @Override
    public void remove(String name) {
      builder.removeHeader(name);
    }
  }
}
