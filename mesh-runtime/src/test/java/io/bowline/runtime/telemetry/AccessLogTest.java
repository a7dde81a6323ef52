package io.bowline.runtime.telemetry;

import static io.bowline.runtime.telemetry.IstioMetricsTest.FULL;
import static io.bowline.runtime.telemetry.IstioMetricsTest.faultFullAndPlainRoutes;
import static io.bowline.runtime.telemetry.IstioMetricsTest.fullCluster;
import static io.bowline.runtime.telemetry.IstioMetricsTest.status;
import static io.bowline.runtime.telemetry.TelemetryMesh.V1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HCM's {@code access_log} ({@code envoy.access_loggers.file}): Istio's default text format
 * when the log names none, a text format and a JSON format; each line holds the values its tokens
 * name, for an upstream answer, a fault abort and an overflow.
 */
class AccessLogTest {
  @TempDir
  Path dir;
  private TelemetryMesh mesh;
  private ScriptedHttpServer primary;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new TelemetryMesh();
    primary = new ScriptedHttpServer("a");
  }

  @AfterEach
  void tearDown() throws Exception {
    primary.close();
    mesh.close();
  }

  private static AccessLog file(Path path, SubstitutionFormatString format) {
    FileAccessLog.Builder f = FileAccessLog.newBuilder().setPath(path.toString());
    if (format != null) {
      f.setLogFormat(format);
    }
    return AccessLog.newBuilder().setName("envoy.access_loggers.file").setTypedConfig(Any.pack(f.build())).build();
  }

  private List<String> lines(Path p, int n) throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(p) && Files.readAllLines(p).size() == n);
    return Files.readAllLines(p);
  }

  @Test
  void linesHoldTheValuesTheirTokensName() throws Exception {
    Path istio = dir.resolve("istio.log");
    Path text = dir.resolve("text.log");
    Path json = dir.resolve("json.log");
    SubstitutionFormatString textFormat = SubstitutionFormatString.newBuilder().setTextFormatSource(
        DataSource.newBuilder().setInlineString("%REQ(:METHOD)% %REQ_WITHOUT_QUERY(:PATH)% %RESPONSE_CODE% "
            + "%RESPONSE_FLAGS% %UPSTREAM_CLUSTER% %UPSTREAM_HOST% %BYTES_SENT% %REQ(X-REQUEST-ID)% %RESP(X-BACKEND)% 100%%"))
        .build();
    SubstitutionFormatString jsonFormat = SubstitutionFormatString.newBuilder().setJsonFormat(Struct.newBuilder()
        .putFields("code", Value.newBuilder().setStringValue("%RESPONSE_CODE%").build())
        .putFields("flags", Value.newBuilder().setStringValue("%RESPONSE_FLAGS%").build())
        .putFields("path", Value.newBuilder().setStringValue("%REQ(:PATH)%").build())
        .putFields("duration", Value.newBuilder().setStringValue("%DURATION%").build())
        .putFields("authority", Value.newBuilder().setStringValue("host %REQ(:AUTHORITY)%").build())
        .putFields("start", Value.newBuilder().setStringValue("%START_TIME%").build())).build();
    mesh.publish(TelemetryMesh.hcm(h -> h.addAccessLog(file(istio, null)).addAccessLog(file(text, textFormat))
        .addAccessLog(file(json, jsonFormat))),
        faultFullAndPlainRoutes(), V1, new int[] {primary.port()}, fullCluster(), new int[] {primary.port()});
    mesh.connect(b -> b);
    assertThat(status(mesh, "/reviews/1?u=2")).isEqualTo(200);
    assertThat(status(mesh, "/fault")).isEqualTo(503);
    assertThat(status(mesh, "/full")).isEqualTo(503);

    List<String> t = lines(text, 3);
    String host = "127.0.0.1:" + primary.port();
    String requestId = primary.requests().get(0).get("x-request-id");
    assertThat(t.get(0)).isEqualTo("GET /reviews/1 200 - " + V1 + " " + host + " 1 " + requestId + " - 100%");
    assertThat(t.get(1)).matches(Pattern.quote("GET /fault 503 FI " + V1 + " - ") + "\\d+ \\S+ - 100%");
    assertThat(t.get(2)).matches(Pattern.quote("GET /full 503 UO " + FULL + " - ") + "\\d+ \\S+ - 100%");

    List<String> i = lines(istio, 3);
    assertThat(i.get(0)).matches("\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\] "
        + Pattern.quote("\"GET /reviews/1?u=2 HTTP/1.1\" 200 - via_upstream - \"-\" 0 1 ") + "\\d+ - "
        // no user-agent yet: the mesh sees the request as the application wrote it; the route is unnamed
        + Pattern.quote("\"-\" \"-\" \"" + requestId + "\" \"reviews:9080\" \"" + host + "\" " + V1 + " - - - - -"));
    assertThat(i.get(1)).contains("\"GET /fault HTTP/1.1\" 503 FI local_reply");

    List<String> j = lines(json, 3);
    JsonObject first = JsonParser.parseString(j.get(0)).getAsJsonObject();
    assertThat(first.get("code").getAsInt()).isEqualTo(200);
    assertThat(first.get("flags").isJsonNull()).isTrue();
    assertThat(first.get("path").getAsString()).isEqualTo("/reviews/1?u=2");
    assertThat(first.get("duration").getAsJsonPrimitive().isNumber()).isTrue();
    assertThat(first.get("authority").getAsString()).isEqualTo("host reviews:9080");
    assertThat(first.get("start").getAsString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(JsonParser.parseString(j.get(2)).getAsJsonObject().get("flags").getAsString()).isEqualTo("UO");
  }

  @Test
  void aRepeatedHeaderValuePrintsAsItCameAndAChangedOneIsSeen() throws Exception {
    Path log = dir.resolve("paths.log");
    SubstitutionFormatString format = SubstitutionFormatString.newBuilder().setTextFormatSource(
        DataSource.newBuilder().setInlineString("%REQ(:PATH)% %REQ_WITHOUT_QUERY(:PATH)% %REQ(:PATH):10%")).build();
    mesh.publish(TelemetryMesh.hcm(h -> h.addAccessLog(file(log, format))), faultFullAndPlainRoutes(), V1,
        new int[] {primary.port()}, fullCluster(), new int[] {primary.port()});
    mesh.connect(b -> b);
    List<String> paths = List.of("/reviews/1", "/reviews/1", "/reviews/1", "/reviews/22?q=1", "/reviews/22?q=1",
        "/reviews/1", "/reviews/333", "/reviews/1");
    for (String path : paths) {
      assertThat(status(mesh, path)).isEqualTo(200);
    }
    List<String> lines = lines(log, paths.size());
    for (int k = 0; k < paths.size(); k++) {
      String p = paths.get(k);
      assertThat(lines.get(k)).isEqualTo(p + " " + p.replaceAll("\\?.*", "") + " "
          + p.substring(0, Math.min(10, p.length())));
    }
  }

  @Test
  void anUnsupportedOperatorIsRefusedByName() {
    assertThatThrownBy(() -> AccessLogFormat.text("%DOWNSTREAM_PEER_CERT%"))
        .hasMessageContaining("%DOWNSTREAM_PEER_CERT%");
    assertThatThrownBy(() -> AccessLogFormat.text("%REQ(:PATH)")).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> AccessLogFormat.json(Map.of("a", "%REQ(x):y%"))).hasMessageContaining("bad length");
  }
}
