package io.bowline.api.filter;

/**
 * The head of an exchange's response as filters see it: from an upstream, or a local reply.
 */
public interface ExchangeResponse {

  /**
   * The response status.
   *
   * @return the HTTP status (for gRPC, the HTTP status Envoy attributes to the gRPC status; 200 for a
   *     streaming response)
   */
  int status();

  /**
   * A response header.
   *
   * @param name the header name, case-insensitive
   * @return its values joined with {@code ,}, or {@code null} when absent
   */
  String header(String name);

  /**
   * Envoy's response flags so far.
   *
   * @return comma-separated flags, or {@code ""}
   */
  String responseFlags();

  /**
   * Whether the mesh produced this response.
   *
   * @return {@code true} for a local reply (fault abort, {@code NR}, {@code UO}, {@code UH}, ...)
   */
  boolean local();
}
