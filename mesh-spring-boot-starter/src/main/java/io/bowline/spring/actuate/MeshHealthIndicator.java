package io.bowline.spring.actuate;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.runtime.RuntimeMeshClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The mesh's health ({@code bowline} in {@code /actuator/health}, and in the readiness group):
 * DOWN until the first configuration has arrived and while the xDS stream is not connected (the
 * last good configuration keeps routing meanwhile), UP otherwise. Details: {@code connected}, the
 * accepted version per type ({@code acceptedVersions}) and every NACKed resource by type and name
 * with its error ({@code nacked}); a NACK alone does not make it DOWN, as the last good version of
 * the resource keeps serving.
 */
public final class MeshHealthIndicator implements HealthIndicator {
  private final MeshClient mesh;
  private final CompletableFuture<Void> ready;

  /** @param mesh the application's mesh client */
  public MeshHealthIndicator(MeshClient mesh) {
    this.mesh = mesh;
    this.ready = RuntimeMeshClient.of(mesh).router().ready();
  }

  @Override
  public Health health() {
    ClientStatus status = mesh.status();
    Map<String, String> nacked = new LinkedHashMap<>();
    for (ClientStatus.Resource r : status.resources()) {
      if (r.state() == ClientStatus.State.NACKED) {
        nacked.put(shortType(r.typeUrl()) + " " + r.name(), r.error());
      }
    }
    Health.Builder b = !ready.isDone() || !status.connected() ? Health.down() : Health.up();
    if (!ready.isDone()) {
      b.withDetail("reason", "waiting for the first configuration");
    } else if (!status.connected()) {
      b.withDetail("reason", "xDS stream not connected; the last accepted configuration keeps routing");
    }
    Map<String, String> versions = new LinkedHashMap<>();
    status.acceptedVersions().forEach((type, version) -> versions.put(shortType(type), version));
    return b.withDetail("workload", mesh.workload().name() + "." + mesh.workload().namespace())
        .withDetail("connected", status.connected())
        .withDetail("acceptedVersions", versions)
        .withDetail("nacked", nacked)
        .build();
  }

  /** {@code type.googleapis.com/envoy.config.listener.v3.Listener} → {@code Listener}. */
  static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }
}
