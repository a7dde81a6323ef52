package io.bowline.tls;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The current certificate and the listeners of a {@link CertificateProvider}; subclasses {@link #publish}. */
abstract class PublishingCertificateProvider implements CertificateProvider {

  private final List<Consumer<WorkloadCertificate>> listeners = new CopyOnWriteArrayList<>();
  private volatile WorkloadCertificate current;

  @Override
  public final WorkloadCertificate current() {
    return current;
  }

  @Override
  public final synchronized void addListener(Consumer<WorkloadCertificate> listener) {
    listeners.add(listener);
    WorkloadCertificate now = current;
    if (now != null) {
      listener.accept(now);
    }
  }

  /** Makes {@code next} current and tells every listener. */
  final synchronized void publish(WorkloadCertificate next) {
    current = next;
    for (Consumer<WorkloadCertificate> listener : listeners) {
      listener.accept(next);
    }
  }
}
