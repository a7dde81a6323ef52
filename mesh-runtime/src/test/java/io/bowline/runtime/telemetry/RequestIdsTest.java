package io.bowline.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Generated {@code x-request-id}s are version-4, RFC 4122 variant UUIDs in lower-case text, as Envoy's are. */
class RequestIdsTest {
  @Test
  void aGeneratedRequestIdIsALowerCaseVersion4UuidAndIdsDiffer() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      String id = RequestIds.uuid4();
      assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
      UUID parsed = UUID.fromString(id);
      assertThat(parsed.version()).isEqualTo(4);
      assertThat(parsed.variant()).isEqualTo(2);
      seen.add(id);
    }
    assertThat(seen).hasSize(1_000);
  }
}
