package io.bowline.runtime.status;

import com.google.gson.stream.JsonWriter;
import io.bowline.api.ClientStatus;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Renders a {@link ClientStatus} as JSON in the shape of CSDS
 * ({@code envoy.service.status.v3.ClientConfig}, its {@code generic_xds_configs} entries), so that
 * tools that read {@code istioctl proxy-status}/grpcdebug-style dumps find the field names they
 * know:
 *
 * <pre>{@code
 * {"connected": true,
 *  "accepted_versions": {"type.googleapis.com/envoy.config.listener.v3.Listener": "3", ...},
 *  "generic_xds_configs": [
 *    {"type_url": "...Cluster", "name": "outbound|9080||reviews...", "version_info": "3",
 *     "client_status": "NACKED", "last_updated": "2026-11-22T03:01:02.345Z",
 *     "error_state": {"details": "Cluster '...': lb_policy: ..."}}]}
 * }</pre>
 */
public final class ClientStatusJson {
  private ClientStatusJson() {}

  /** The status as indented JSON. */
  public static String toJson(ClientStatus status) {
    StringWriter out = new StringWriter();
    try (JsonWriter w = new JsonWriter(out)) {
      w.setIndent("  ");
      w.beginObject();
      w.name("connected").value(status.connected());
      w.name("accepted_versions").beginObject();
      for (Map.Entry<String, String> e : status.acceptedVersions().entrySet()) {
        w.name(e.getKey()).value(e.getValue());
      }
      w.endObject();
      w.name("generic_xds_configs").beginArray();
      for (ClientStatus.Resource r : status.resources()) {
        w.beginObject();
        w.name("type_url").value(r.typeUrl());
        w.name("name").value(r.name());
        w.name("version_info").value(r.version());
        w.name("client_status").value(r.state().name());
        if (r.lastUpdated() != null) {
          w.name("last_updated").value(r.lastUpdated().toString());
        }
        if (r.error() != null) {
          w.name("error_state").beginObject().name("details").value(r.error()).endObject();
        }
        w.endObject();
      }
      w.endArray();
      w.endObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
