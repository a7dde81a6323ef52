package io.bowline.runtime.telemetry.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
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
}
