package io.bowline.api.filter;

/**
 * The head of an exchange's response as filters see it: from an upstream, or a local reply.
 */
public interface ExchangeResponse {

  /** HTTP status (for gRPC, the HTTP status Envoy attributes to the gRPC status; 200 for a streaming response). */
  int status();

  /** A response header (several values joined with {@code ,}), or {@code null}. */
  String header(String name);

  /** Envoy response flags so far, or {@code ""}. */
  String responseFlags();

  /** Whether the mesh produced it (fault abort, {@code NR}, {@code UO}, {@code UH}, ...). */
  boolean local();
}
