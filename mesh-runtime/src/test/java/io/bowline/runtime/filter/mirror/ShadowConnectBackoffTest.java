package io.bowline.runtime.filter.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** gRPC connection back-off (1 s, ×1.6, ≤ 120 s, ±20 % jitter) applied to shadow connects. */
class ShadowConnectBackoffTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final ShadowConnectBackoff backoff = new ShadowConnectBackoff(now::get);

  private void advanceMillis(long ms) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void backsOffAfterAFailedConnectThenAdmitsExactlyOneProbe() {
    assertThat(backoff.admits("10.0.0.1:80")).isTrue();
    backoff.onConnectFailure("10.0.0.1:80");
    assertThat(backoff.admits("10.0.0.1:80")).isFalse();
    assertThat(backoff.admits("10.0.0.2:80")).isTrue(); // per endpoint
    advanceMillis(790);
    assertThat(backoff.admits("10.0.0.1:80")).isFalse(); // 1 s - 20 % at the earliest
    advanceMillis(420);
    assertThat(backoff.admits("10.0.0.1:80")).isTrue(); // 1 s + 20 % at the latest
    assertThat(backoff.admits("10.0.0.1:80")).isFalse(); // one probe only
  }

  @Test
  void eachFailedProbeMultipliesTheBackoffUpToTwoMinutes() {
    backoff.onConnectFailure("e");
    double expected = 1_000;
    for (int probe = 0; probe < 15; probe++) {
      advanceMillis((long) (expected * 0.79));
      assertThat(backoff.admits("e")).as("before probe %d", probe).isFalse();
      advanceMillis((long) (expected * 0.42) + 1);
      assertThat(backoff.admits("e")).as("probe %d", probe).isTrue();
      backoff.onConnectFailure("e");
      expected = Math.min(120_000, expected * 1.6);
    }
    assertThat(expected).isEqualTo(120_000);
  }

  @Test
  void aConnectionEndsTheBackoffAndLateFailuresDoNotExtendIt() {
    backoff.onConnectFailure("e");
    backoff.onConnectFailure("e"); // a shadow admitted before the back-off began: no extension
    advanceMillis(1_201);
    assertThat(backoff.admits("e")).isTrue();
    backoff.onConnected("e");
    assertThat(backoff.size()).isZero();
    assertThat(backoff.admits("e")).isTrue();
    assertThat(backoff.admits("e")).isTrue();
  }
}
