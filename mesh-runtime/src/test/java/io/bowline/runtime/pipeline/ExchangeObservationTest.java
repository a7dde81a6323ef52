package io.bowline.runtime.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.api.MeshRequest;
import io.bowline.runtime.testing.TestExchanges;
import io.bowline.runtime.testing.TestRequests;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The exchange keeps the filters' header edits and the response flags in its observation holder,
 * made only when an exchange has any: an exchange without them makes none, and a built-in filter
 * that observes after another filter edited headers or added flags (the telemetry filter after it
 * set {@code x-request-id}) takes them over with the exchange's observation.
 */
class ExchangeObservationTest {
  private static final MeshRequest GET = TestRequests.get("svc:80", "x-caller", "app");

  private static MeshExchange exchange() {
    return TestExchanges.unrouted(GET);
  }

  /** Records the completion it observes. */
  private static final class Completion extends MeshExchange.Observation {
    final AtomicReference<String> seen = new AtomicReference<>();

    @Override
    protected void completed(MeshExchange exchange) {
      seen.set(exchange.status() + " [" + exchange.responseFlags() + "] " + exchange.header("x-request-id"));
    }
  }

  @Test
  void anExchangeWithoutEditsOrFlagsAnswersWithNoneAndStaysUnobserved() {
    MeshExchange ex = exchange();
    ex.responded(200, -1, "", false);
    ex.complete();

    assertThat(ex.edits()).isNull();
    assertThat(ex.flags()).isEmpty();
    assertThat(ex.responseFlags()).isEmpty();
    assertThat(ex.header("x-caller")).isEqualTo("app");
    assertThat(ex.unobserved()).isTrue();
  }

  @Test
  void anObserverInstalledAfterHeaderEditsAndFlagsTakesThemOver() {
    MeshExchange ex = exchange();
    ex.setHeaderKeepingRoute("x-request-id", "id-1");
    ex.addFlags(ResponseFlags.DI);
    assertThat(ex.unobserved()).as("edits and flags alone are not an observer").isTrue();

    Completion observer = new Completion();
    ex.observe(observer);
    ex.responded(200, -1, ResponseFlags.join(ex.flags(), ""), false);
    ex.complete();

    assertThat(ex.header("x-request-id")).isEqualTo("id-1");
    assertThat(ex.edits().values("x-request-id")).containsExactly("id-1");
    assertThat(observer.seen.get()).isEqualTo("200 [DI] id-1");
  }

  @Test
  void localReplyFlagsAreKeptWithoutAnEarlierObservation() {
    MeshExchange ex = exchange();
    ex.responded(503, -1, ResponseFlags.UH, true);

    assertThat(ex.responseFlags()).isEqualTo("UH");
    assertThat(ex.localResponse()).isTrue();
  }

  @Test
  void anExchangeWhoseFilterObservesThroughTheSpiCannotBeObservedAgain() {
    MeshExchange ex = exchange();
    ex.onComplete(e -> { });

    assertThat(ex.unobserved()).isFalse();
    assertThatThrownBy(() -> ex.observe(new Completion())).isInstanceOf(IllegalStateException.class);
  }
}
