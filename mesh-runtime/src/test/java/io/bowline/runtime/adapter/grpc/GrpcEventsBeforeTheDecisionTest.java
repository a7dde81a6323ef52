package io.bowline.runtime.adapter.grpc;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.MoreExecutors;
import io.bowline.api.MeshClient;
import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.SerialScheduler;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.bowline.runtime.testing.ScriptedGrpcServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientStreamTracer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The events of a gRPC attempt that reach the call's scheduler before the router (and the filters
 * after it) have decided on the attempt's response head: its messages and its close wait for the
 * decision and then reach the application, never dropped (last session's hang) and without
 * re-running on the scheduler until the decision arrives (the spin when a filter decides on a thread
 * of its own). Deterministic: a filter holds the call's scheduler on the thread running it until
 * the attempt's headers, message and close are all queued behind it; the count of queued events is
 * taken by a stream tracer when the attempt's stream closes, just before the close is queued.
 */
class GrpcEventsBeforeTheDecisionTest {
  private static final String FQDN = "echo.default.svc.cluster.local";
  private static final String CLUSTER = clusterName(9090, "v1", FQDN);
  private static final MethodDescriptor<byte[], byte[]> UNARY = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Echo/Unary")
      .setRequestMarshaller(NamedGrpcServer.BYTES).setResponseMarshaller(NamedGrpcServer.BYTES).build();

  private XdsTestServer xds;
  private ScriptedGrpcServer grpc;
  private final ExecutorService decider = Executors.newSingleThreadExecutor();

  /**
   * Holds the scheduler it runs on until the attempt's events are queued behind it; then passes the
   * router's response on, either as it is (the decision comes through the scheduler) or from a
   * thread of its own after waiting for the scheduler to go idle.
   */
  static final class HoldingFilter implements HttpFilter {
    final boolean decidesOnItsOwnThread;
    final ExecutorService own;
    volatile SerialScheduler scheduler;
    final AtomicInteger queuedWithTheClose = new AtomicInteger(Integer.MAX_VALUE);
    volatile boolean heldUntilTheCloseWasQueued;
    volatile boolean schedulerIdleBeforeTheDecision;

    HoldingFilter(boolean decidesOnItsOwnThread, ExecutorService own) {
      this.decidesOnItsOwnThread = decidesOnItsOwnThread;
      this.own = own;
    }

    @Override
    public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
      SerialScheduler s = (SerialScheduler) ((MeshExchange) exchange).scheduler();
      scheduler = s;
      CompletionStage<ExchangeResponse> routed = next.proceed(exchange); // sends the attempt
      // this thread still runs the scheduler's task: the attempt's events queue up behind it
      await().atMost(Duration.ofSeconds(20)).until(() -> s.pending() >= queuedWithTheClose.get());
      heldUntilTheCloseWasQueued = true;
      if (!decidesOnItsOwnThread) {
        return routed;
      }
      return routed.thenApplyAsync(r -> {
        try {
          // the decision is held here; the scheduler must not keep running the waiting events
          await().atMost(Duration.ofSeconds(5)).until(() -> s.pending() == 0);
          schedulerIdleBeforeTheDecision = true;
        } catch (ConditionTimeoutException e) {
          schedulerIdleBeforeTheDecision = false;
        }
        return r;
      }, own);
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    grpc = new ScriptedGrpcServer("g");
    xds.set(Snapshot.create(List.of(edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints(CLUSTER, grpc.port())), List.of(listener(FQDN, 9090)),
        List.of(routes(FQDN, 9090, toCluster(prefix("/"), CLUSTER))), List.of(), "1"));
  }

  @AfterEach
  void tearDown() throws Exception {
    decider.shutdownNow();
    grpc.close();
    xds.close();
  }

  /** What the application's listener saw. */
  private static final class Seen extends ClientCall.Listener<byte[]> {
    final List<String> events = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status> closed = new CompletableFuture<>();

    @Override
    public void onHeaders(Metadata headers) {
      events.add("headers");
    }

    @Override
    public void onMessage(byte[] message) {
      events.add("message " + new String(message));
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      events.add("close " + status.getCode());
      closed.complete(status);
    }
  }

  /** One unary call with the filter; its attempt's tracer notes how many tasks are queued with its close. */
  private Seen call(HoldingFilter filter) throws Exception {
    try (MeshClient mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address())
        .filter(filter).build()) {
      mesh.awaitReady(Duration.ofSeconds(30));
      ManagedChannel channel = BowlineGrpc.channel(mesh, "echo:9090");
      try {
        ClientStreamTracer.Factory tracing = new ClientStreamTracer.Factory() {
          @Override
          public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
            return new ClientStreamTracer() {
              @Override
              public void streamClosed(Status status) {
                // on the transport's thread, just before the attempt's listener queues the close (direct executor)
                filter.queuedWithTheClose.set(filter.scheduler.pending() + 1);
              }
            };
          }
        };
        ClientCall<byte[], byte[]> c = channel.newCall(UNARY,
            CallOptions.DEFAULT.withExecutor(MoreExecutors.directExecutor()).withStreamTracerFactory(tracing));
        Seen seen = new Seen();
        c.start(seen, new Metadata());
        c.request(2);
        c.sendMessage(new byte[] {1});
        c.halfClose(); // runs the pipeline: the filter holds this thread until the events are queued
        seen.closed.get(20, TimeUnit.SECONDS);
        return seen;
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /**
   * A blocking stub waits on its own executor: when the decision runs the call's scheduler on a
   * filter's thread, the head, the message and the close must still be given to that executor.
   */
  @Test
  void aBlockingCallCompletesWhenAFilterDecidesOnItsOwnThreadAfterTheAttemptClosed() throws Exception {
    AtomicBoolean attemptClosed = new AtomicBoolean();
    AtomicReference<SerialScheduler> scheduler = new AtomicReference<>();
    HttpFilter decidesLater = (exchange, next) -> {
      scheduler.set((SerialScheduler) ((MeshExchange) exchange).scheduler());
      return next.proceed(exchange).thenApplyAsync(r -> {
        // the attempt's close reached the call and the call's scheduler is idle: the decision comes last
        await().atMost(Duration.ofSeconds(20)).until(() -> attemptClosed.get() && scheduler.get().pending() == 0);
        return r;
      }, decider);
    };
    ClientStreamTracer.Factory tracing = new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
        return new ClientStreamTracer() {
          @Override
          public void streamClosed(Status status) {
            attemptClosed.set(true);
          }
        };
      }
    };
    try (MeshClient mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address())
        .filter(decidesLater).build()) {
      mesh.awaitReady(Duration.ofSeconds(30));
      ManagedChannel channel = BowlineGrpc.channel(mesh, "echo:9090");
      ExecutorService caller = Executors.newSingleThreadExecutor();
      try {
        CompletableFuture<byte[]> reply = CompletableFuture.supplyAsync(() -> ClientCalls.blockingUnaryCall(
            channel, UNARY, CallOptions.DEFAULT.withStreamTracerFactory(tracing), new byte[] {1}), caller);
        assertThat(new String(reply.get(20, TimeUnit.SECONDS))).isEqualTo("g");
      } finally {
        caller.shutdownNow();
        channel.shutdownNow();
      }
    }
  }

  @Test
  void eventsQueuedWhileTheSchedulerIsHeldReachTheApplicationAfterTheRouterDecides() throws Exception {
    HoldingFilter holding = new HoldingFilter(false, decider);
    Seen seen = call(holding);
    assertThat(holding.heldUntilTheCloseWasQueued).isTrue();
    assertThat(seen.events).containsExactly("headers", "message g", "close OK");
  }

  @Test
  void aFilterDecidingOnItsOwnThreadFindsTheSchedulerIdleAndTheApplicationSeesTheClose() throws Exception {
    HoldingFilter holding = new HoldingFilter(true, decider);
    Seen seen = call(holding);
    assertThat(holding.heldUntilTheCloseWasQueued).isTrue();
    assertThat(holding.schedulerIdleBeforeTheDecision)
        .as("the waiting events sit in the attempt; nothing re-runs on the scheduler until the decision")
        .isTrue();
    assertThat(seen.events).containsExactly("headers", "message g", "close OK");
  }
}
