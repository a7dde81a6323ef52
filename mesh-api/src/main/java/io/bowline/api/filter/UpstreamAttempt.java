package io.bowline.api.filter;

/**
 * One upstream attempt of an exchange (Envoy's {@code UpstreamRequest}), as it ended.
 *
 * @param number 1 for the first try, +1 per retry ({@code x-envoy-attempt-count})
 * @param host the endpoint, {@code address:port}
 * @param status the response status (gRPC: mapped to HTTP as Envoy does), 0 when none arrived
 * @param failure why no response arrived ({@code connect-failure}, {@code reset},
 *     {@code refused-stream}, {@code per-try-timeout}), or {@code ""}
 * @param durationNanos from sending to the response head or failure
 */
public record UpstreamAttempt(int number, String host, int status, String failure, long durationNanos) {}
