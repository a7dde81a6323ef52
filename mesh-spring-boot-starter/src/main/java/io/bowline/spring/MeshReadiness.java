package io.bowline.spring;

import io.bowline.api.MeshClient;
import io.bowline.runtime.RuntimeMeshClient;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;

/**
 * Holds the application's readiness ({@link ReadinessState}) at {@code REFUSING_TRAFFIC} until the
 * mesh client's first configuration has arrived (or its initial-fetch timer has fired, after which
 * calls proceed as they are): when Boot declares the application ready to accept traffic before
 * that, this turns it back to refusing and declares it accepting once the configuration is in.
 */
public final class MeshReadiness implements ApplicationListener<AvailabilityChangeEvent<?>> {
  private final CompletableFuture<Void> ready;
  private final ApplicationEventPublisher publisher;

  MeshReadiness(MeshClient mesh, ApplicationEventPublisher publisher) {
    this.ready = RuntimeMeshClient.of(mesh).router().ready();
    this.publisher = publisher;
  }

  /** Whether the mesh's first configuration has arrived. */
  public boolean configured() {
    return ready.isDone();
  }

  @Override
  public void onApplicationEvent(AvailabilityChangeEvent<?> event) {
    if (event.getState() != ReadinessState.ACCEPTING_TRAFFIC || ready.isDone()) {
      return;
    }
    AvailabilityChangeEvent.publish(publisher, this, ReadinessState.REFUSING_TRAFFIC);
    ready.whenComplete((v, e) -> AvailabilityChangeEvent.publish(publisher, this, ReadinessState.ACCEPTING_TRAFFIC));
  }
}
