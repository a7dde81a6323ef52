package io.bowline.tls;

import java.util.function.Consumer;

/**
 * A source of the workload's certificate and trust bundle that may change over time (gRPC's
 * {@code certificate_providers} plugin instances, Istio's CA, SDS). Implementations are thread-safe.
 */
public interface CertificateProvider extends AutoCloseable {

  /** The current certificate, or {@code null} before the first one arrived. */
  WorkloadCertificate current();

  /**
   * Calls {@code listener} with every new certificate, and at once with the current one if there is one.
   * Listeners run on the provider's thread and must not block.
   */
  void addListener(Consumer<WorkloadCertificate> listener);

  /** Stops refreshing. Idempotent. */
  @Override
  void close();
}
