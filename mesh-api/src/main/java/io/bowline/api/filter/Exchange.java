package io.bowline.api.filter;

import io.bowline.api.MeshRequest;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * One outbound request/response exchange as a filter sees it, whatever the transport. The request
 * view ({@link MeshRequest}) reflects the edits made so far. Not thread-safe: a filter uses it from
 * the thread it was called on, or from the thread that completes its stage.
 */
public interface Exchange extends MeshRequest {

  /**
   * The exchange's protocol.
   *
   * @return {@code "http"} for OkHttp calls, {@code "grpc"} for gRPC calls
   */
  String protocol();

  /**
   * Sets a request header, replacing its values.
   *
   * @param name the header name, case-insensitive
   * @param value the new value
   * @throws IllegalArgumentException for a pseudo-header or {@code host}
   */
  void setHeader(String name, String value);

  /**
   * Adds a request header value.
   *
   * @param name the header name, case-insensitive
   * @param value the value added after any existing ones
   * @throws IllegalArgumentException for a pseudo-header or {@code host}
   */
  void addHeader(String name, String value);

  /**
   * Removes every value of a request header.
   *
   * @param name the header name, case-insensitive
   */
  void removeHeader(String name);

  /**
   * Values filters share for this exchange.
   *
   * @return a mutable map, empty at the start of the exchange
   */
  Map<String, Object> attributes();

  /**
   * The listener that matched the call's {@code host:port}.
   *
   * @return e.g. {@code reviews.default.svc.cluster.local:9080}; never {@code null}
   */
  String listenerName();

  /**
   * The matched route ({@code RouteConfiguration.virtual_hosts[].routes[].name}).
   *
   * @return its name ({@code ""} when unnamed), or {@code null} when no route matched
   */
  String routeName();

  /**
   * The cluster chosen for the request (after weighted-cluster selection).
   *
   * @return its name, or {@code null} when there is none (local reply)
   */
  String clusterName();

  /**
   * The peer's identity (a SPIFFE ID) once the upstream connection is authenticated by mTLS;
   * {@code null} until then, and always while the mesh speaks plaintext.
   *
   * @return a SPIFFE ID such as {@code spiffe://cluster.local/ns/default/sa/reviews}, or {@code null}
   */
  String peerIdentity();

  /**
   * The downstream connection's remote address, as Envoy's {@code %DOWNSTREAM_REMOTE_ADDRESS%} prints it: the
   * client that connected to the proxy ({@code bowline-proxy}'s listeners), the physical peer of that connection.
   *
   * @return {@code address:port} (an IPv6 address in brackets), or {@code null} where there is no downstream
   *     connection: a call made in the application's own process (OkHttp, gRPC, Spring adapters)
   */
  default String downstreamRemoteAddress() {
    return null;
  }

  /**
   * The downstream connection's local address, as Envoy's {@code %DOWNSTREAM_LOCAL_ADDRESS%} prints it: the
   * proxy's listener address the client connected to.
   *
   * @return {@code address:port} (an IPv6 address in brackets), or {@code null} where there is no downstream
   *     connection: a call made in the application's own process
   */
  default String downstreamLocalAddress() {
    return null;
  }

  /**
   * When the exchange started.
   *
   * @return {@code System.nanoTime()} at the start, in nanoseconds
   */
  long startNanos();

  /**
   * Ends the exchange here with a local reply, as Envoy's {@code sendLocalReply}: an HTTP status
   * (gRPC calls get the status mapped as gRPC's {@code http-grpc-status-mapping.md} does) and a
   * body (the gRPC status description).
   *
   * @param status the HTTP status, 100–599
   * @param body the response body (UTF-8), or the gRPC status description
   * @return a completed stage to return from {@link HttpFilter#filter}
   */
  CompletionStage<ExchangeResponse> localReply(int status, String body);

  /**
   * Observes upstream attempts.
   *
   * @param observer called when each upstream attempt ends (once per attempt, retries included)
   */
  void onAttempt(Consumer<UpstreamAttempt> observer);

  /**
   * Calls {@code observer} once, when the exchange is over: the response consumed (its body read or
   * closed, the gRPC call closed) or a local reply sent. The exchange's status, flags, timings and
   * byte counts are final then.
   *
   * @param observer called with this exchange when it is over
   */
  void onComplete(Consumer<Exchange> observer);

  /**
   * The response status.
   *
   * @return the HTTP status, or for gRPC the HTTP status Envoy attributes to the gRPC status; 0 before
   *     the response
   */
  int status();

  /**
   * The gRPC status of a gRPC call.
   *
   * @return the status code (0–16) once it is known, else -1
   */
  int grpcStatus();

  /**
   * Envoy's response flags for the exchange.
   *
   * @return comma-separated ({@code UH}, {@code URX}, {@code DI,FI}...), {@code ""} when none
   */
  String responseFlags();

  /**
   * Whether the response was produced by the mesh, not by an upstream.
   *
   * @return {@code true} for a local reply
   */
  boolean localResponse();

  /**
   * Upstream attempts made so far.
   *
   * @return 0 before the router's first attempt, then 1, 2, ...
   */
  int attempts();

  /**
   * Time to the response head.
   *
   * @return nanoseconds from the start to the response head, or -1 before it
   */
  long responseHeadersNanos();

  /**
   * Duration of the exchange.
   *
   * @return nanoseconds from the start to the end, or -1 before {@link #onComplete} observers run
   */
  long durationNanos();

  /**
   * Request body size.
   *
   * @return bytes sent (the first attempt's), or -1 when unknown
   */
  long requestBodyBytes();

  /**
   * Response body size.
   *
   * @return bytes received (gRPC: serialized message bytes), or -1 when unknown
   */
  long responseBodyBytes();
}
