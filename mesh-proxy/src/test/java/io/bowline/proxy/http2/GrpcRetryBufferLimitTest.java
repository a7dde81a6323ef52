package io.bowline.proxy.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries of HTTP/2 (gRPC) requests through the proxy against Envoy's request buffer limit (1 MiB, the
 * listener's {@code per_connection_buffer_limit_bytes}; VirtualService {@code retries.retryOn: unavailable}).
 * The upstream (grpc-java) reads the whole request, then answers its first call {@code UNAVAILABLE}. Envoy
 * keeps a copy of the request body while it fits the limit, however many reads it arrives in, so a body
 * whose later DATA frames are sent only once the first attempt has received the earlier ones (a latch, not
 * a delay) is sent again whole to the retry; a body that outgrows the limit streams to its one attempt and
 * the caller gets that attempt's status.
 */
class GrpcRetryBufferLimitTest {
  private FlakyUploadMesh mesh;
  private ManagedChannel channel;
  /** Each call's {@code x-envoy-attempt-count}, and the sizes of the messages it received. */
  private final List<String> attempts = Collections.synchronizedList(new ArrayList<>());
  private final List<List<Integer>> messages = Collections.synchronizedList(new ArrayList<>());
  private final CountDownLatch firstMessageAtFirstAttempt = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    mesh = new FlakyUploadMesh(new FailFirstCall(), "{attempts: 3, retryOn: unavailable}");
    channel = mesh.channel;
  }

  @AfterEach
  void stop() throws Exception {
    mesh.close();
  }

  /** Reads the whole request; the first call gets UNAVAILABLE, later ones the total bytes received. */
  private final class FailFirstCall implements ServerCallHandler<byte[], byte[]> {
    private static final Metadata.Key<String> ATTEMPT = Metadata.Key.of("x-envoy-attempt-count",
        Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
      List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
      boolean first;
      synchronized (attempts) {
        first = attempts.isEmpty();
        attempts.add(String.valueOf(headers.get(ATTEMPT)));
        messages.add(sizes);
      }
      call.request(Integer.MAX_VALUE);
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(byte[] m) {
          sizes.add(m.length);
          if (first) {
            firstMessageAtFirstAttempt.countDown();
          }
        }

        @Override
        public void onHalfClose() {
          if (first) {
            call.close(Status.UNAVAILABLE.withDescription("first attempt"), new Metadata());
            return;
          }
          call.sendHeaders(new Metadata());
          call.sendMessage(Integer.toString(sizes.stream().mapToInt(Integer::intValue).sum())
              .getBytes(StandardCharsets.UTF_8));
          call.close(Status.OK, new Metadata());
        }
      };
    }
  }

  /** The call's status, and its response message as text ({@code null} without one). */
  private record Result(Status.Code code, String body) {}

  /**
   * Sends the headers and {@code first}; once the first attempt has received that message (when
   * {@code waitForFirstAttempt}), sends {@code then} and half-closes.
   */
  private Result upload(int first, int then, boolean waitForFirstAttempt) throws Exception {
    ClientCall<byte[], byte[]> call =
        channel.newCall(FlakyUploadMesh.UPLOAD, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS));
    CompletableFuture<Result> result = new CompletableFuture<>();
    StringBuilder body = new StringBuilder();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] m) {
        body.append(new String(m, StandardCharsets.UTF_8));
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        result.complete(new Result(status.getCode(), body.length() == 0 ? null : body.toString()));
      }
    }, new Metadata());
    call.request(1);
    call.sendMessage(new byte[first]);
    if (waitForFirstAttempt) {
      assertThat(firstMessageAtFirstAttempt.await(20, TimeUnit.SECONDS)).as("the first attempt got the first DATA").isTrue();
    }
    call.sendMessage(new byte[then]);
    call.halfClose();
    return result.get(30, TimeUnit.SECONDS);
  }

  @Test
  void aSmallRequestIsBufferedAndRetried() throws Exception {
    assertThat(upload(512, 512, false)).isEqualTo(new Result(Status.Code.OK, "1024"));
    assertThat(attempts).containsExactly("1", "2");
    assertThat(messages).containsExactly(List.of(512, 512), List.of(512, 512));
  }

  @Test
  void aBodyWhoseDataFramesFollowTheFirstAttemptIsKeptAndSentWholeToTheRetry() throws Exception {
    assertThat(upload(512, 4096, true)).isEqualTo(new Result(Status.Code.OK, "4608"));
    assertThat(attempts).containsExactly("1", "2");
    assertThat(messages).containsExactly(List.of(512, 4096), List.of(512, 4096));
  }

  @Test
  void aBodyJustUnderTheBufferLimitInManyDataFramesIsRetried() throws Exception {
    assertThat(upload(512, 1000 * 1024, true)).isEqualTo(new Result(Status.Code.OK, "1024512"));
    assertThat(attempts).containsExactly("1", "2");
    assertThat(messages).containsExactly(List.of(512, 1000 * 1024), List.of(512, 1000 * 1024));
  }

  @Test
  void aRequestOverTheBufferLimitGoesToOneAttemptAndIsNotRetried() throws Exception {
    assertThat(upload(512, 2 * 1024 * 1024, true)).isEqualTo(new Result(Status.Code.UNAVAILABLE, null));
    assertThat(attempts).containsExactly("1");
    assertThat(messages).containsExactly(List.of(512, 2 * 1024 * 1024));
  }
}
