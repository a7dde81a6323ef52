package io.bowline.api.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Envoy {@code extensions.filters.http.fault.v3.HTTPFault} (filter {@code envoy.filters.http.fault}).
 * Delay and abort are decided with independent draws; when both fire the delay comes first.
 *
 * @param delay {@code delay}, or {@code null}
 * @param abort {@code abort}, or {@code null}
 * @param upstreamCluster {@code upstream_cluster}: only calls to this cluster, or {@code ""} for any
 * @param headers {@code headers}: all must match the request
 * @param maxActiveFaults {@code max_active_faults}, or {@code -1} for unlimited (the default)
 */
public record FaultPolicy(
    Delay delay, Abort abort, String upstreamCluster, List<HeaderMatcher> headers, long maxActiveFaults) {
  /**
   * A per-route (or virtual host) fault config that is present but injects nothing (an empty
   * {@code HTTPFault}, or a disabled {@code FilterConfig}): it still replaces the HTTP connection
   * manager's fault filter config for that route, as Envoy's per-route configs do.
   */
  public static final FaultPolicy NONE = new FaultPolicy(null, null, "", List.of(), -1);

  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param delay {@code delay}, or {@code null}
   * @param abort {@code abort}, or {@code null}
   * @param upstreamCluster {@code upstream_cluster}: only calls to this cluster, or {@code ""} for any
   * @param headers {@code headers}: all must match the request
   * @param maxActiveFaults {@code max_active_faults}, or {@code -1} for unlimited (the default)
   * @throws NullPointerException if a required component is {@code null}
   */
  public FaultPolicy {
    Objects.requireNonNull(upstreamCluster, "upstreamCluster");
    headers = List.copyOf(headers);
  }

  /**
   * Whether this config can inject anything (a delay or an abort); false for {@link #NONE}.
   *
   * @return {@code true} if a delay or an abort is configured
   */
  public boolean injects() {
    return delay != null || abort != null;
  }

  /**
   * {@code FaultDelay}.
   *
   * @param fixedDelay {@code fixed_delay} (&gt; 0), or {@code null} with {@code header_delay}
   * @param percentage {@code percentage} (unset ⇒ never)
   */
  public record Delay(Duration fixedDelay, FractionalPercent percentage) {
    /**
     * Checks the components.
     *
     * @param fixedDelay {@code fixed_delay} (&gt; 0), or {@code null} with {@code header_delay}
     * @param percentage {@code percentage} (unset ⇒ never)
     * @throws NullPointerException if a required component is {@code null}
     */
    public Delay {
      Objects.requireNonNull(percentage, "percentage");
    }

    /**
     * {@code header_delay}: the delay comes from {@code x-envoy-fault-delay-request}.
     *
     * @return {@code true} when the header sets the delay
     */
    public boolean headerControlled() {
      return fixedDelay == null;
    }
  }

  /**
   * {@code FaultAbort}: exactly one of {@code httpStatus}, {@code grpcStatus} or header control.
   *
   * @param httpStatus {@code http_status} in [200, 600), or 0
   * @param grpcStatus {@code grpc_status}, or -1
   * @param headerControlled {@code header_abort}: the status comes from
   *     {@code x-envoy-fault-abort-request} / {@code x-envoy-fault-abort-grpc-request}
   * @param percentage {@code percentage} (unset ⇒ never)
   */
  public record Abort(int httpStatus, int grpcStatus, boolean headerControlled, FractionalPercent percentage) {
    /**
     * Checks the components.
     *
     * @param httpStatus {@code http_status} in [200, 600), or 0
     * @param grpcStatus {@code grpc_status}, or -1
     * @param headerControlled {@code header_abort}: the status comes from {@code x-envoy-fault-abort-request}
     *     / {@code x-envoy-fault-abort-grpc-request}
     * @param percentage {@code percentage} (unset ⇒ never)
     * @throws NullPointerException if a required component is {@code null}
     * @throws IllegalArgumentException if a component is outside the range its description gives
     */
    public Abort {
      Objects.requireNonNull(percentage, "percentage");
      if (httpStatus != 0 && (httpStatus < 200 || httpStatus >= 600)) {
        throw new IllegalArgumentException("abort.http_status must be in [200, 600), was " + httpStatus);
      }
    }
  }
}
