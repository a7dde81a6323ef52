package io.bowline.proxy.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.upstream.ClusterResilience;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 request body that outgrows Envoy's 1 MiB request buffer while its call waits out a retry back-off ends
 * the call with 507 ("exceeded request buffer limit while retrying upstream"), as Envoy's router ends it: nothing
 * is left to replay, and no attempt is in flight to become the last. The upstream (grpc-java) answers the first
 * call {@code UNAVAILABLE} on its first message, before the request is complete; the VirtualService retries
 * {@code unavailable} with a one-hour {@code backoff}, so the retry waits (Envoy's back-off is uniform from zero:
 * it is under a second once in 3,600 calls). The rest of the body is sent once the cluster holds the retry
 * (its {@code max_retries} slot taken: a latch on the router's state, not a delay).
 */
class RetryBufferOverflowInBackOffTest {
  private FlakyUploadMesh mesh;
  private ManagedChannel channel;
  private final List<String> calls = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    mesh = new FlakyUploadMesh(new UnavailableOnFirstMessage(), "{attempts: 3, retryOn: unavailable, backoff: 3600s}");
    channel = mesh.channel;
  }

  @AfterEach
  void stop() throws Exception {
    mesh.close();
  }

  /** Every call is answered UNAVAILABLE as soon as its first message arrives. */
  private final class UnavailableOnFirstMessage implements ServerCallHandler<byte[], byte[]> {
    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
      calls.add(call.getMethodDescriptor().getFullMethodName());
      call.request(Integer.MAX_VALUE);
      return new ServerCall.Listener<>() {
        private boolean closed;

        @Override
        public void onMessage(byte[] m) {
          if (!closed) {
            closed = true;
            call.close(Status.UNAVAILABLE.withDescription("first message"), new Metadata());
          }
        }
      };
    }
  }

  /** The cluster's retries in flight or waiting out their back-off ({@code upstream_rq_retry} slots held). */
  private long retriesHeld() {
    ClusterResilience c = RuntimeMeshClient.of(mesh.istio.mesh()).router().resilience()
        .cluster("outbound|50051||" + FlakyUploadMesh.HOST);
    return c == null ? 0 : c.circuitBreaker().activeRetries(); // null until the first call uses the cluster
  }

  @Test
  void aBodyOutgrowingTheBufferDuringTheRetryBackOffEndsTheCallWith507() throws Exception {
    ClientCall<byte[], byte[]> call =
        channel.newCall(FlakyUploadMesh.UPLOAD, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(1);
    call.sendMessage(new byte[512]);
    await().atMost(Duration.ofSeconds(20)).until(() -> retriesHeld() == 1);
    call.sendMessage(new byte[2 * 1024 * 1024]);
    call.halfClose();

    Status status = closed.get(30, TimeUnit.SECONDS);
    assertThat(status.getCode()).as("%s", status).isEqualTo(Status.Code.UNKNOWN); // Envoy's gRPC status for 507
    assertThat(status.getDescription()).isEqualTo("exceeded request buffer limit while retrying upstream");
    assertThat(calls).as("no second attempt").hasSize(1);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(retriesHeld()).as("the retry's slot is given back").isZero());
  }
}
