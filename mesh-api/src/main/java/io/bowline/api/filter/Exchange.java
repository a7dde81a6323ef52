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

  /** {@code "http"} for OkHttp calls, {@code "grpc"} for gRPC calls. */
  String protocol();

  /** Sets a request header, replacing its values (a pseudo-header or {@code host} is refused). */
  void setHeader(String name, String value);

  /** Adds a request header value. */
  void addHeader(String name, String value);

  /** Removes every value of a request header. */
  void removeHeader(String name);

  /** Values filters share for this exchange; mutable. */
  Map<String, Object> attributes();

  /** The listener that matched {@code host:port}, e.g. {@code reviews.default.svc.cluster.local:9080}; never {@code null}. */
  String listenerName();

  /** The matched route's name ({@code ""} when unnamed), or {@code null} when no route matched. */
  String routeName();

  /** The cluster chosen for the request, or {@code null} when there is none (local reply). */
  String clusterName();

  /**
   * The peer's identity (a SPIFFE ID) once the upstream connection is authenticated by mTLS;
   * {@code null} until then, and always while the mesh speaks plaintext.
   */
  String peerIdentity();

  /** {@code System.nanoTime()} when the exchange started. */
  long startNanos();

  /**
   * Ends the exchange here with a local reply, as Envoy's {@code sendLocalReply}: an HTTP status
   * (gRPC calls get the status mapped as gRPC's {@code http-grpc-status-mapping.md} does) and a
   * body (the gRPC status description).
   *
   * @return a completed stage to return from {@link HttpFilter#filter}
   */
  CompletionStage<ExchangeResponse> localReply(int status, String body);

  /** Calls {@code observer} when each upstream attempt ends (once per attempt, retries included). */
  void onAttempt(Consumer<UpstreamAttempt> observer);

  /**
   * Calls {@code observer} once, when the exchange is over: the response consumed (its body read or
   * closed, the gRPC call closed) or a local reply sent. The exchange's status, flags, timings and
   * byte counts are final then.
   */
  void onComplete(Consumer<Exchange> observer);

  /** The response status: HTTP status, or for gRPC the HTTP status Envoy attributes to the gRPC status; 0 before the response. */
  int status();

  /** The gRPC status code of a gRPC call once it is known, else -1. */
  int grpcStatus();

  /** Envoy response flags, comma-separated ({@code UH}, {@code URX}, {@code DI,FI}...), {@code ""} when none. */
  String responseFlags();

  /** Whether the response was produced by the mesh (local reply), not by an upstream. */
  boolean localResponse();

  /** Upstream attempts made so far. */
  int attempts();

  /** Nanoseconds from the start to the response head, or -1 before it. */
  long responseHeadersNanos();

  /** Nanoseconds from the start to the end, or -1 before {@link #onComplete} observers run. */
  long durationNanos();

  /** Request body bytes sent (the first attempt's), or -1 when unknown. */
  long requestBodyBytes();

  /** Response body bytes received (gRPC: serialized message bytes), or -1 when unknown. */
  long responseBodyBytes();
}
