package io.bowline.runtime.adapter.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.runtime.pipeline.RoutedCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Local replies as gRPC statuses: the gRPC HTTP-status mapping, and A28's UNAVAILABLE for no route. */
class LocalRepliesTest {

  @ParameterizedTest(name = "HTTP {0} {1} -> {2}")
  @CsvSource({
    "404, NR, UNAVAILABLE",
    "404, NC, UNIMPLEMENTED",
    "503, UH, UNAVAILABLE",
    "503, NC, UNAVAILABLE",
    "403, '', PERMISSION_DENIED",
    "401, '', UNAUTHENTICATED",
    "400, '', INTERNAL",
    "429, '', UNAVAILABLE",
    "301, '', UNKNOWN",
    "500, '', UNKNOWN",
  })
  void statusMapping(int http, String flags, Status.Code expected) {
    RoutedCall.LocalReply reply = new RoutedCall.LocalReply(http, flags == null ? "" : flags, "", Map.of("location", "http://x/"));
    assertThat(LocalReplies.status(reply).getCode()).isEqualTo(expected);
    assertThat(LocalReplies.status(reply).getDescription()).contains("HTTP " + http);
    Metadata trailers = LocalReplies.trailers(reply);
    assertThat(trailers.get(Metadata.Key.of("location", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("http://x/");
  }
}
