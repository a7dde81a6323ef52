package io.bowline.runtime.telemetry.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.testing.TestExchanges;
import io.bowline.runtime.testing.TestRequests;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code %START_TIME%} prints Envoy's default, {@code yyyy-MM-ddTHH:mm:ss.SSSZ} in UTC, whether the line is
 * formatted at once or from values captured earlier on another thread (as the file access log's flush thread does);
 * values print as UTF-8 whether they repeat from the line before or not.
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

  @Test
  void startTimeCapturedIntoAQueuePrintsAsTheFormatterAcrossSecondsDaysLeapYearsAndCenturies() {
    AccessLogFormat f = AccessLogFormat.text("%START_TIME%");
    List<Long> millis = new ArrayList<>();
    for (long day = -731; day < 49_000; day++) { // 1968 to 2104: leap days, 2000 and 2100, a time moving through the day
      millis.add(day * 86_400_000L + Math.floorMod(day * 7_919_999L, 86_400_000L));
    }
    for (long m = 1_700_000_000_995L; m < 1_700_000_001_005L; m++) { // one second to the next, line after line
      millis.add(m);
    }
    millis.addAll(List.of(1_700_000_000_500L, 1_700_000_001_500L, 1_700_000_000_501L, // back and forth
        -62_135_596_800_000L, -62_135_596_800_001L, -62_104_060_800_000L, // year 1 and the year before it
        -11_676_096_000_000L, -11_676_096_000_001L, 951_782_400_000L, 4_107_542_400_000L, // 1600, 2000-02-29, 2100
        253_402_300_799_999L, 253_402_300_800_000L, Long.MAX_VALUE / 1_000)); // the last of 9999, year 10000 on
    Object[] values = new Object[millis.size()];
    long[] numbers = new long[millis.size()];
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < millis.size(); i++) {
      f.capture(values, i, numbers, i, null, null, null, millis.get(i));
      expected.append(ENVOY.format(Instant.ofEpochMilli(millis.get(i)))).append('\n');
    }
    LineBuffer b = new LineBuffer(16);
    for (int i = 0; i < millis.size(); i++) {
      f.print(b, values, i, numbers, i);
    }
    assertThat(b.toString()).isEqualTo(expected.toString());
  }

  @Test
  void valuesRepeatedOrNotPrintAsUtf8ThroughAQueuesPrint() {
    AccessLogFormat f = AccessLogFormat.text("%REQ(USER-AGENT)% %REQ(X-REQUEST-ID):3% \"%UPSTREAM_HOST%\" "
        + "%RESPONSE_CODE%/%BYTES_SENT%");
    String[] agents = {"ok/1", "ok/1", "ok/1", "h\u00e9", "h\u00e9", "h\u00e9", "\u4e2d\ud83d\ude00", "ok/1", "", "",
        "\u00ff\u00e9x", "\u00ff\u00e9x"};
    String[] hosts = {"h\u00f4st:80", "h\u00f4st:80", "h\u00f4st:80", "10.0.0.1:80", "10.0.0.1:80", "10.0.0.1:80", "",
        "", "\u4e2d:80", "\u4e2d:80", "\u4e2d:80", "10.0.0.1:80"};
    Object[] values = new Object[agents.length * f.width()];
    long[] numbers = new long[values.length];
    int n = 0;
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < agents.length; i++) {
      String id = (i % 2 == 0 ? "\u00e9\u00e9" : "ab") + i;
      MeshExchange e = TestExchanges.unrouted(TestRequests.get("svc:80", "user-agent", agents[i], "x-request-id", id));
      e.addResponseBodyBytes(1_000L * i);
      e.responded(i % 3 == 0 ? 503 : 200, -1, "", false);
      e.complete();
      n += f.capture(values, i * f.width(), numbers, n, e, null, hosts[i], 0);
      expected.append(agents[i].isEmpty() ? "-" : agents[i]).append(' ').append(id, 0, 3).append(" \"")
          .append(hosts[i].isEmpty() ? "-" : hosts[i]).append("\" ").append(i % 3 == 0 ? 503 : 200).append('/')
          .append(1_000L * i).append('\n');
    }
    LineBuffer b = new LineBuffer(16);
    int read = 0;
    for (int i = 0; i < agents.length; i++) {
      read += f.print(b, values, i * f.width(), numbers, read);
    }
    assertThat(read).isEqualTo(n);
    assertThat(b.toString()).isEqualTo(expected.toString());
  }
}
