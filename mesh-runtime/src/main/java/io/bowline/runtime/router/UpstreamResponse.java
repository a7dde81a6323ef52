package io.bowline.runtime.router;

import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.upstream.Outcome;
import java.util.Locale;

/**
 * A response from an upstream, as the router returns it: the transport's response head, its
 * outcome and the router's flags. The router's {@link UpstreamCall} is itself the response it
 * completes with, so that a response costs no object of its own.
 *
 * @param <R> the transport's response type
 */
public interface UpstreamResponse<R> extends ExchangeResponse {

  /** The transport's response head. */
  R response();

  /** Its outcome (status, header lookup). */
  Outcome outcome();

  /** The router's flags ({@code URX}, {@code UT}), or {@code ""}. */
  @Override
  String responseFlags();

  @Override
  default int status() {
    return outcome().httpStatus();
  }

  @Override
  default String header(String name) {
    return outcome().headers().get(name.toLowerCase(Locale.ROOT));
  }

  @Override
  default boolean local() {
    return false;
  }
}
