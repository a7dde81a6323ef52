package io.bowline.api.filter;

import java.util.concurrent.CompletionStage;

/**
 * An HTTP filter of the mesh's exchange pipeline: Envoy's HTTP filter model in Java's shape (a
 * Finagle {@code Filter}, an OkHttp {@code Interceptor} that may be asynchronous). Every outbound
 * call the mesh routes, OkHttp and gRPC alike, runs through one chain per route, compiled once per
 * configuration: the filters registered on {@code MeshClient.builder().filter(...)}, in order →
 * {@code envoy.filters.http.fault} → request mirroring → {@code envoy.filters.http.router}, which
 * sends the attempts. Registered filters come first so that they see every request and every
 * response, the mesh's local replies (fault aborts, {@code NR}, {@code UO}, {@code UH}) included.
 *
 * <p>A filter sees the {@link Exchange}: it may edit the request headers (the route is chosen again
 * when it does, as Envoy's {@code clearRouteCache}), read the route and cluster, register
 * {@linkplain Exchange#onAttempt per-attempt} and {@linkplain Exchange#onComplete completion}
 * observers, and then either continue with {@link Next#proceed}, or answer locally with
 * {@link Exchange#localReply}. It may continue later, from another thread, by completing the stage
 * it returned. It must not block: on a gRPC call it runs on a caller or transport thread.
 *
 * <p>A filter that throws, or whose stage fails, ends the exchange with a local 500 naming it.
 */
@FunctionalInterface
public interface HttpFilter {

  /**
   * Handles one exchange.
   *
   * @param exchange the exchange; valid until it completes
   * @param next the rest of the chain
   * @return the response head, as {@code next} returned it or a local reply
   */
  CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next);

  /**
   * The filter's name in logs and errors; Envoy's names for built-in filters
   * ({@code envoy.filters.http.fault}, {@code envoy.filters.http.router}).
   *
   * @return the name; the class name by default
   */
  default String name() {
    return getClass().getName();
  }

  /** The rest of the filter chain. */
  @FunctionalInterface
  interface Next {
    /**
     * Runs the next filter (ultimately the router).
     *
     * @param exchange the exchange, with this filter's edits
     * @return the response head as the rest of the chain produced it
     */
    CompletionStage<ExchangeResponse> proceed(Exchange exchange);
  }
}
