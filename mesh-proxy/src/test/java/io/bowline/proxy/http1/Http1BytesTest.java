package io.bowline.proxy.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Header lines written as bytes: a long value written again (a filter's per-workload header) comes out byte for
 * byte as the first time, on a direct buffer as the proxy's connections use, and as ISO-8859-1 with {@code ?} for
 * what it cannot encode, as a short value does.
 */
class Http1BytesTest {
  private static String line(String name, String value) {
    ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(256);
    try {
      Http1Bytes.editedField(out, name, value);
      return out.toString(StandardCharsets.ISO_8859_1);
    } finally {
      out.release();
    }
  }

  @Test
  void aLongValueWrittenAgainAndAgainIsTheSameLineEachTime() {
    String metadata = "ChoKDkFQUF9DT05UQUlORVJTEggaBmRldGFpbHMKGgoKQ0xVU1RFUl9JRBIMGgpLdWJlcm5ldGVz";
    assertThat(metadata.length()).isGreaterThanOrEqualTo(Http1Bytes.ENCODED_MIN_LENGTH);
    for (int i = 0; i < 4; i++) {
      assertThat(line("x-envoy-peer-metadata", metadata)).isEqualTo("x-envoy-peer-metadata: " + metadata + "\r\n");
    }
  }

  @Test
  void longValuesThatShareASlotAreEachWrittenAsThemselves() {
    String[] values = new String[40];
    for (int i = 0; i < values.length; i++) {
      values[i] = ("v" + i + "-").repeat(20);
    }
    for (int round = 0; round < 3; round++) {
      for (String v : values) {
        assertThat(line("x-long", v)).isEqualTo("x-long: " + v + "\r\n");
      }
    }
  }

  @Test
  void twoLongValuesWhoseIdentitiesShareASetAreBothCopiedFromTheirBytes() {
    String metadata = "ChoKDkFQUF9DT05UQUlORVJTEggaBmRldGFpbHMKGgoKQ0xVU1RFUl9JRBIMGgpLdWJlcm5ldGVz".repeat(2);
    String id;
    do { // the peer metadata filter's two values, as two instances whose identity hashes pick the same set
      id = new String("sidecar~10.0.0.1~productpage-v1-123.default~default.svc.cluster.local");
    } while (Http1Bytes.recentSet(id) != Http1Bytes.recentSet(metadata));
    for (int i = 0; i < 3; i++) {
      assertThat(line("x-envoy-peer-metadata", metadata)).isEqualTo("x-envoy-peer-metadata: " + metadata + "\r\n");
      assertThat(line("x-envoy-peer-metadata-id", id)).isEqualTo("x-envoy-peer-metadata-id: " + id + "\r\n");
    }
    assertThat(Http1Bytes.encoded(metadata)).isTrue();
    assertThat(Http1Bytes.encoded(id)).isTrue();
  }

  @Test
  void aLongValueBeyondLatin1IsWrittenWithQuestionMarksAsAShortOneIs() {
    String wide = "caf\u00e9 \u2603 ".repeat(8);
    String expected = "x-v: " + wide.replace('\u2603', '?') + "\r\n";
    for (int i = 0; i < 3; i++) {
      assertThat(line("x-v", wide)).isEqualTo(expected);
    }
    assertThat(line("x-v", "\u2603")).isEqualTo("x-v: ?\r\n");
  }
}
