package io.bowline.runtime.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.bowline.api.ClientStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientStatusJsonTest {
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

  @Test
  void rendersTheCsdsFieldNames() {
    ClientStatus status = new ClientStatus(true, Map.of(CDS, "3"), List.of(
        new ClientStatus.Resource(CDS, "good", "3", ClientStatus.State.ACKED, Instant.parse("2026-11-22T03:00:00Z"), null),
        new ClientStatus.Resource(CDS, "bad", "2", ClientStatus.State.NACKED, Instant.parse("2026-11-22T03:00:01Z"),
            "Cluster 'bad': type: not supported \"x\"")));
    JsonObject json = JsonParser.parseString(ClientStatusJson.toJson(status)).getAsJsonObject();
    assertThat(json.get("connected").getAsBoolean()).isTrue();
    assertThat(json.getAsJsonObject("accepted_versions").get(CDS).getAsString()).isEqualTo("3");
    JsonObject bad = json.getAsJsonArray("generic_xds_configs").get(1).getAsJsonObject();
    assertThat(bad.get("type_url").getAsString()).isEqualTo(CDS);
    assertThat(bad.get("name").getAsString()).isEqualTo("bad");
    assertThat(bad.get("version_info").getAsString()).isEqualTo("2");
    assertThat(bad.get("client_status").getAsString()).isEqualTo("NACKED");
    assertThat(bad.get("last_updated").getAsString()).isEqualTo("2026-11-22T03:00:01Z");
    assertThat(bad.getAsJsonObject("error_state").get("details").getAsString())
        .isEqualTo("Cluster 'bad': type: not supported \"x\"");
    assertThat(json.getAsJsonArray("generic_xds_configs").get(0).getAsJsonObject().has("error_state")).isFalse();
  }
}
