package io.bowline.runtime.telemetry;

/**
 * How the mesh traces calls: the header format it sends (the HCM's {@code tracing.provider}, as
 * Istio's meshConfig or Telemetry API chose it) and Envoy's {@code tracing.random_sampling}.
 *
 * @param propagation the trace-context format sent upstream
 * @param randomSamplingPercent the share of calls without a sampled parent that start a sampled
 *     trace, 0–100 (Istio's {@code sampling}; a parent's decision is always followed)
 * @param spanTags Envoy's {@code custom_tags} made ready for calls: literal and environment tags resolved to their
 *     values once (as Envoy reads the environment when it loads the configuration), header tags looked up per call
 */
public record TracingConfig(TracePropagation propagation, double randomSamplingPercent, SpanTags spanTags) {
  /** B3 headers, every call sampled (the SDK's sampler still decides what is exported). */
  public static final TracingConfig DEFAULT = new TracingConfig(TracePropagation.B3_MULTI, 100);

  /** Tracing without custom tags. */
  public TracingConfig(TracePropagation propagation, double randomSamplingPercent) {
    this(propagation, randomSamplingPercent, SpanTags.NONE);
  }

  /** @throws IllegalArgumentException if the percentage is not within 0–100 */
  public TracingConfig {
    if (propagation == null) {
      throw new IllegalArgumentException("tracing propagation must be set");
    }
    if (!(randomSamplingPercent >= 0 && randomSamplingPercent <= 100)) {
      throw new IllegalArgumentException("tracing random_sampling must be within 0-100%, got " + randomSamplingPercent);
    }
    spanTags = spanTags == null ? SpanTags.NONE : spanTags;
  }
}
