package io.bowline.tls;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The current certificate and the listeners of a {@link CertificateProvider}. */
final class ProvidedCertificate {

  private final List<Consumer<WorkloadCertificate>> listeners = new CopyOnWriteArrayList<>();
  private volatile WorkloadCertificate current;

  WorkloadCertificate current() {
    return current;
  }

  synchronized void addListener(Consumer<WorkloadCertificate> listener) {
    listeners.add(listener);
    WorkloadCertificate now = current;
    if (now != null) {
      listener.accept(now);
    }
  }

  synchronized void publish(WorkloadCertificate next) {
    current = next;
    for (Consumer<WorkloadCertificate> listener : listeners) {
      listener.accept(next);
    }
  }
}
