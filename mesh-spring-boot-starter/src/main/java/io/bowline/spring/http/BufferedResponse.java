package io.bowline.spring.http;

import org.springframework.http.HttpHeaders;

/**
 * One HTTP response with its body in memory: an upstream's, or the mesh's local reply (Envoy's
 * {@code NR}, {@code UH}, a fault abort...), whose response flags are in
 * {@value MeshHttpTransport#RESPONSE_FLAGS_HEADER}.
 *
 * @param status the HTTP status code
 * @param headers the response headers
 * @param body the response body, empty for none
 */
public record BufferedResponse(int status, HttpHeaders headers, byte[] body) {}
