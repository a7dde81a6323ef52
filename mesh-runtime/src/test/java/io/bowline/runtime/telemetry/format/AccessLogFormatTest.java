package io.bowline.runtime.telemetry.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code %START_TIME%} prints Envoy's default, {@code yyyy-MM-ddTHH:mm:ss.SSSZ} in UTC, whether the line is
 * formatted at once or from values captured earlier on another thread (as the file access log's flush thread does).
 */
class AccessLogFormatTest {
  private static final DateTimeFormatter ENVOY =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  @Test
  void startTimePrintsEnvoysDefaultFormatInUtcAcrossSecondsAndMilliseconds() {
    AccessLogFormat f = AccessLogFormat.text("[%START_TIME%]");
    long[] millis = {0, 1, 9, 10, 99, 100, 999, 1000, 1001, 1_700_000_000_000L, 1_700_000_000_999L,
        1_700_000_001_000L, 1_700_000_000_500L, -1, -1000, 253_402_300_799_999L};
    for (long m : millis) {
      assertThat(f.format(new AccessLogFormat.Entry(null, null, null, m)))
          .as("start %d ms", m).isEqualTo("[" + ENVOY.format(Instant.ofEpochMilli(m)) + "]\n");
    }
  }

  @Test
  void aLineFormattedLaterOnAnotherThreadIsTheLineFormattedAtOnce() throws Exception {
    AccessLogFormat f = AccessLogFormat.text("%START_TIME% %UPSTREAM_HOST% \"%HOSTNAME%\" %DOWNSTREAM_REMOTE_ADDRESS%");
    AccessLogFormat.Entry e = new AccessLogFormat.Entry(null, null, "10.0.0.1:9080", 1_700_000_000_042L);
    Object[] captured = f.capture(e);
    String later = CompletableFuture.supplyAsync(() -> f.format(captured)).get();
    assertThat(later).isEqualTo(f.format(e)).startsWith("2023-11-14T22:13:20.042Z 10.0.0.1:9080 \"")
        .endsWith("\" -\n");
  }

  @Test
  void numbersAndTextPrintAsUtf8BytesInTextAndJson() {
    AccessLogFormat.Connection c = new AccessLogFormat.Connection(1_700_000_000_042L, 1_234_567_000_000L, 0,
        9_876_543_210_123L, "h\u00f4st-\u00e9.\u4e2d:80", "cl\u00fcster \"q\" \\ \t\u0001 \ud83d\ude00", "UF", null, null, null);
    AccessLogFormat text = AccessLogFormat.text(
        "%BYTES_SENT% %BYTES_RECEIVED% %DURATION% %RESPONSE_CODE% %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %RESPONSE_FLAGS%");
    assertThat(text.format(AccessLogFormat.Entry.of(c))).isEqualTo("9876543210123 0 1234567 0 h\u00f4st-\u00e9.\u4e2d:80 "
        + "cl\u00fcster \"q\" \\ \t\u0001 \ud83d\ude00 UF\n");
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("sent", "%BYTES_SENT%");
    fields.put("host", "%UPSTREAM_HOST%");
    fields.put("cluster", "%UPSTREAM_CLUSTER%");
    fields.put("both", "%UPSTREAM_HOST% in %UPSTREAM_CLUSTER% %ROUTE_NAME%");
    fields.put("k\u00e9y\"", "%ROUTE_NAME%");
    String cluster = "cl\u00fcster \\\"q\\\" \\\\ \\t\\u0001 \ud83d\ude00";
    assertThat(AccessLogFormat.json(fields).format(AccessLogFormat.Entry.of(c))).isEqualTo("{\"sent\":9876543210123,"
        + "\"host\":\"h\u00f4st-\u00e9.\u4e2d:80\",\"cluster\":\"" + cluster + "\",\"both\":\"h\u00f4st-\u00e9.\u4e2d:80 in "
        + cluster + " -\",\"k\u00e9y\\\"\":null}\n");
  }
}
