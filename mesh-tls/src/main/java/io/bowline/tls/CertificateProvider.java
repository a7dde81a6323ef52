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
   * Why the provider has no (fresh) certificate, e.g. the CA's refusal or an unreadable file, or {@code null}
   * when there is nothing to report. Never holds key material.
   */
  default String problem() {
    return null;
  }

  /**
   * Calls {@code listener} with every new certificate, and at once with the current one if there is one.
   * Listeners run on the provider's thread and must not block.
   */
  void addListener(Consumer<WorkloadCertificate> listener);

  /**
   * A provider that never has a certificate, for an instance that cannot work here (for example one that needs an
   * optional library that is absent): TLS that names it fails closed with {@code reason}.
   *
   * @param reason what {@link #problem()} returns; never key material
   */
  static CertificateProvider unavailable(String reason) {
    java.util.Objects.requireNonNull(reason, "reason");
    return new CertificateProvider() {
      @Override
      public WorkloadCertificate current() {
        return null;
      }

      @Override
      public String problem() {
        return reason;
      }

      @Override
      public void addListener(Consumer<WorkloadCertificate> listener) {
      }

      @Override
      public void close() {
      }

      @Override
      public String toString() {
        return "CertificateProvider.unavailable{" + reason + "}";
      }
    };
  }

  /** A provider of one fixed certificate (Envoy's inline {@code tls_certificates}; tests). */
  static CertificateProvider of(WorkloadCertificate certificate) {
    java.util.Objects.requireNonNull(certificate, "certificate");
    return new CertificateProvider() {
      @Override
      public WorkloadCertificate current() {
        return certificate;
      }

      @Override
      public void addListener(Consumer<WorkloadCertificate> listener) {
        listener.accept(certificate);
      }

      @Override
      public void close() {
      }

      @Override
      public String toString() {
        return "CertificateProvider.of(" + certificate + ")";
      }
    };
  }

  /** Stops refreshing. Idempotent. */
  @Override
  void close();
}
