package io.bowline.runtime.adapter.okhttp;

import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import okio.Okio;
import okio.Source;

/** A response body read through another source over the original body's (its type and length kept). */
class WrappedBody extends ResponseBody {
  private final ResponseBody body;
  private final BufferedSource source;

  /** @param source reads {@code body.source()} */
  WrappedBody(ResponseBody body, Source source) {
    this.body = body;
    this.source = Okio.buffer(source);
  }

  @Override
  public final MediaType contentType() {
    return body.contentType();
  }

  @Override
  public final long contentLength() {
    return body.contentLength();
  }

  @Override
  public final BufferedSource source() {
    return source;
  }
}
