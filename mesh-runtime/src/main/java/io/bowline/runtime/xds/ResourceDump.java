package io.bowline.runtime.xds;

import com.google.protobuf.Any;
import io.bowline.api.ClientStatus;
import java.time.Instant;

/**
 * One resource as the xDS client holds it, for config dumps (Envoy's admin {@code /config_dump}, CSDS): its
 * status and the resource exactly as the server sent it. Immutable.
 *
 * @param typeUrl e.g. {@code type.googleapis.com/envoy.config.cluster.v3.Cluster}
 * @param name the resource name
 * @param version {@code version_info} of the response that last carried it ({@code ""} if none)
 * @param state the CSDS status
 * @param lastUpdated when it was last accepted or rejected, or {@code null}
 * @param accepted the resource in use (the last accepted one), or {@code null} if none was accepted
 * @param rejected the last rejected resource while its state is NACKED, else {@code null}
 * @param error why it was rejected (names the resource and field), or {@code null}
 */
public record ResourceDump(String typeUrl, String name, String version, ClientStatus.State state,
    Instant lastUpdated, Any accepted, Any rejected, String error) {}
