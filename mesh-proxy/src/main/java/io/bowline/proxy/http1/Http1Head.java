package io.bowline.proxy.http1;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;

/**
 * What a received HTTP/1.x head ({@link Http1Request}, {@link Http1Response}) has as Netty's message:
 * its version, its fields ({@link Http1Fields}, read without a map), Netty's header map built on the
 * first {@link #headers()} call, and a decoder result (always success: a head that fails the
 * decoders' checks is never emitted).
 */
public abstract class Http1Head {
  private final HttpVersion version;
  final Http1Fields fields;
  /** Netty's map of the headers, once asked for; then it is the message's headers. */
  HttpHeaders headers;
  private DecoderResult result = DecoderResult.SUCCESS;

  Http1Head(HttpVersion version, Http1Fields fields) {
    this.version = version;
    this.fields = fields;
  }

  /** The headers as Netty's map, built on the first call from the received fields. */
  public HttpHeaders headers() {
    if (headers == null) {
      HttpHeaders h = fields.toMap(false);
      amend(h);
      headers = h;
    }
    return headers;
  }

  /** Adds what was set on the head after it was received to a newly built map. */
  void amend(HttpHeaders map) {}

  /** The version of the head's start line. */
  public HttpVersion protocolVersion() {
    return version;
  }

  /** As {@link #protocolVersion()}. */
  @Deprecated
  public HttpVersion getProtocolVersion() {
    return version;
  }

  /** Success: the decoders emit only heads that passed their checks. */
  public DecoderResult decoderResult() {
    return result;
  }

  /** As {@link #decoderResult()}. */
  @Deprecated
  public DecoderResult getDecoderResult() {
    return result;
  }

  /** Sets the decoder result (Netty's message contract). */
  public void setDecoderResult(DecoderResult r) {
    this.result = r;
  }
}
