package io.bowline.api.filter;

import io.bowline.api.config.WorkloadMetadata;

/**
 * One upstream attempt of an exchange (Envoy's {@code UpstreamRequest}), as it ended.
 *
 * @param number 1 for the first try, +1 per retry ({@code x-envoy-attempt-count})
 * @param host the endpoint, {@code address:port}
 * @param status the response status (gRPC: mapped to HTTP as Envoy does), 0 when none arrived
 * @param failure why no response arrived ({@code connect-failure}, {@code reset},
 *     {@code refused-stream}, {@code per-try-timeout}), or {@code ""}
 * @param durationNanos from sending to the response head or failure
 * @param workload the workload behind the endpoint (the snapshot's object, read once per endpoint), or
 *     {@link WorkloadMetadata#NONE}
 */
public record UpstreamAttempt(int number, String host, int status, String failure, long durationNanos,
    WorkloadMetadata workload) {

  /**
   * A {@code null} workload is {@link WorkloadMetadata#NONE}.
   *
   * @param number 1 for the first try, +1 per retry
   * @param host the endpoint, {@code address:port}
   * @param status the response status, 0 when none arrived
   * @param failure why no response arrived, or {@code ""}
   * @param durationNanos from sending to the response head or failure
   * @param workload the workload behind the endpoint, or {@code null}
   */
  public UpstreamAttempt {
    workload = workload == null ? WorkloadMetadata.NONE : workload;
  }

  /**
   * An attempt whose endpoint's workload is not known.
   *
   * @param number 1 for the first try, +1 per retry
   * @param host the endpoint, {@code address:port}
   * @param status the response status, 0 when none arrived
   * @param failure why no response arrived, or {@code ""}
   * @param durationNanos from sending to the response head or failure
   */
  public UpstreamAttempt(int number, String host, int status, String failure, long durationNanos) {
    this(number, host, status, failure, durationNanos, WorkloadMetadata.NONE);
  }
}
