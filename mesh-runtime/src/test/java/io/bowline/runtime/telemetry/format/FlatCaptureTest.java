package io.bowline.runtime.telemetry.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.testing.TestExchanges;
import io.bowline.runtime.testing.TestRequests;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * A line captured into a queue holds no object the call made where it can be helped: the request id the mesh
 * generated as its UUID's two halves, a value equal to the one the print kept as that instance; and prints the line
 * the exchange's own values print.
 */
class FlatCaptureTest {
  private static final AccessLogFormat ISTIO = AccessLogFormat.text(AccessLogFormat.ISTIO_DEFAULT);

  private static MeshExchange finished(String authority, String requestId, String agent) {
    MeshExchange e = TestExchanges.unrouted(TestRequests.get(authority, "x-request-id", requestId, "user-agent", agent));
    e.addResponseBodyBytes(120);
    e.responded(200, -1, "", false);
    e.complete();
    return e;
  }

  @Test
  void aGeneratedRequestIdIsCapturedAsTwoNumbersAndPrintsAsItsText() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    int lines = 200;
    Object[] values = new Object[lines * ISTIO.width()];
    long[] numbers = new long[2 * values.length];
    StringBuilder expected = new StringBuilder();
    int n = 0;
    for (int i = 0; i < lines; i++) {
      // every bit pattern of a hex digit in every position, and the ids' extremes
      long high = i == 0 ? 0 : i == 1 ? -1 : r.nextLong();
      long low = i == 0 ? 0 : i == 1 ? -1 : r.nextLong();
      String id = new UUID(high, low).toString();
      MeshExchange e = finished("svc:80", id, "curl/8");
      expected.append(ISTIO.format(ISTIO.capture(e, null, "10.0.0.1:80", 1_700_000_000_000L + i)));
      int wrote = ISTIO.capture(values, i * ISTIO.width(), numbers, n, e, null, "10.0.0.1:80",
          1_700_000_000_000L + i, e.header("x-request-id"), high, low);
      assertThat(values).as("line %d holds the id's numbers, not its string", i).doesNotContain(id);
      n += wrote;
    }
    LineBuffer b = new LineBuffer(64);
    int read = 0;
    for (int i = 0; i < lines; i++) {
      read += ISTIO.print(b, values, i * ISTIO.width(), numbers, read);
    }
    assertThat(read).isEqualTo(n);
    assertThat(b.toString()).isEqualTo(expected.toString()).contains("\"00000000-0000-0000-0000-000000000000\"")
        .contains("\"ffffffff-ffff-ffff-ffff-ffffffffffff\"");
  }

  @Test
  void anIdTheRequestBroughtOrAnIdCutToALengthIsCapturedAsItsString() {
    AccessLogFormat cut = AccessLogFormat.text("%REQ(X-REQUEST-ID):8% %REQ(X-REQUEST-ID)%");
    String id = UUID.randomUUID().toString();
    MeshExchange e = finished("svc:80", id, "curl/8");
    Object[] values = new Object[cut.width()];
    long[] numbers = new long[4];
    // the request brought its id (null: the mesh generated none); then the mesh's, printed cut and whole
    for (String generated : new String[] {null, e.header("x-request-id")}) {
      UUID u = UUID.fromString(id);
      int wrote = cut.capture(values, 0, numbers, 0, e, null, null, 0, generated, u.getMostSignificantBits(),
          u.getLeastSignificantBits());
      assertThat(values[0]).isEqualTo(id);
      assertThat(wrote).isEqualTo(generated == null ? 0 : 2);
      LineBuffer b = new LineBuffer(16);
      cut.print(b, values, 0, numbers, 0);
      assertThat(b.toString()).isEqualTo(id.substring(0, 8) + " " + id + "\n");
    }
  }

  @Test
  void aValueEqualToTheOneThePrintKeptIsCapturedAsThatInstance() {
    AccessLogFormat f = AccessLogFormat.text("%REQ(:AUTHORITY)% %REQ(USER-AGENT)% %UPSTREAM_HOST% %RESPONSE_CODE%");
    Object[] values = new Object[4 * f.width()];
    long[] numbers = new long[8];
    LineBuffer b = new LineBuffer(16);
    String[] kept = new String[3];
    for (int i = 0; i < 4; i++) { // each call makes its strings anew
      MeshExchange e = finished(new String("svc:80"), new String("id"), new String("curl/8"));
      f.capture(values, i * f.width(), numbers, 0, e, null, new String("10.0.0.1:80"), 0, null, 0, 0);
      f.print(b, values, i * f.width(), numbers, 0);
      if (i == 2) {
        System.arraycopy(values, i * f.width(), kept, 0, 3);
      }
    }
    for (int k = 0; k < 3; k++) { // the print kept the values after two lines: the third and fourth capture those
      assertThat(values[3 * f.width() + k]).isSameAs(kept[k]);
    }
    assertThat(b.toString()).isEqualTo("svc:80 curl/8 10.0.0.1:80 200\n".repeat(4));
  }

  @Test
  void operatorsAnExchangeNeverHasPrintADashAndATcpConnectionsValue() {
    AccessLogFormat f = AccessLogFormat.text("%DOWNSTREAM_REMOTE_ADDRESS% %CONNECTION_TERMINATION_DETAILS% "
        + "%UPSTREAM_LOCAL_ADDRESS%");
    Object[] values = {"stale", "stale", "stale"};
    f.capture(values, 0, new long[6], 0, finished("svc:80", "id", "a"), null, null, 0);
    assertThat(values).containsOnlyNulls();
    LineBuffer b = new LineBuffer(16);
    f.print(b, values, 0, new long[0], 0);
    assertThat(b.toString()).isEqualTo("- - -\n");
    AccessLogFormat.Connection c = new AccessLogFormat.Connection(0, 0, 0, 0, null, "cl", "", "10.0.0.2:5000",
        "10.0.0.3:80", "idle_timeout");
    assertThat(f.format(AccessLogFormat.Entry.of(c))).isEqualTo("10.0.0.2:5000 idle_timeout -\n");
  }
}
