package io.bowline.runtime.testing;

import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real grpc-java server on loopback answering any method (bytes) from a script: each call takes
 * the next {@link Action} (the default one when the script is empty) — a trailers-only status,
 * hanging forever, or a response of {@code n} messages (each its name) and OK after the client
 * half-closes. It records every call's {@code x-envoy-attempt-count} and {@code :authority}.
 */
public final class ScriptedGrpcServer implements AutoCloseable {
  /** What one call gets. */
  public record Action(Status.Code status, int messages, boolean hang) {
    /** {@code n} messages then OK. */
    public static Action ok(int n) {
      return new Action(Status.Code.OK, n, false);
    }

    /** A trailers-only response with {@code code}. */
    public static Action fail(Status.Code code) {
      return new Action(code, 0, false);
    }

    /** Never answers. */
    public static Action hanging() {
      return new Action(Status.Code.OK, 0, true);
    }
  }

  private static final Metadata.Key<String> ATTEMPT = Metadata.Key.of("x-envoy-attempt-count", Metadata.ASCII_STRING_MARSHALLER);

  private final String name;
  private final Server server;
  private final ConcurrentLinkedQueue<Action> script = new ConcurrentLinkedQueue<>();
  private final List<String> attempts = Collections.synchronizedList(new ArrayList<>());
  private final List<String> authorities = Collections.synchronizedList(new ArrayList<>());
  private final List<Boolean> deadlines = Collections.synchronizedList(new ArrayList<>());
  private volatile Action fallback = Action.ok(1);

  private final List<Metadata> received = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  public ScriptedGrpcServer(String name) throws IOException {
    this.name = name;
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .fallbackHandlerRegistry(new Registry())
        .build()
        .start();
  }

  public int port() {
    return server.getPort();
  }

  /** Queues actions for the next calls. */
  public ScriptedGrpcServer then(Action... actions) {
    script.addAll(List.of(actions));
    return this;
  }

  /** The action once the script is used up. */
  public ScriptedGrpcServer otherwise(Action action) {
    fallback = action;
    return this;
  }

  /** Calls received so far. */
  public int calls() {
    return attempts.size();
  }

  /** The {@code x-envoy-attempt-count} of each call in order ({@code "-"} when absent). */
  public List<String> attemptCounts() {
    synchronized (attempts) {
      return List.copyOf(attempts);
    }
  }

  /** The value of request header {@code name} of each call in order ({@code "-"} when absent). */
  public List<String> header(String name) {
    Metadata.Key<String> key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    synchronized (received) {
      List<String> out = new java.util.ArrayList<>();
      for (Metadata m : received) {
        String v = m.get(key);
        out.add(v == null ? "-" : v);
      }
      return out;
    }
  }

  /** The {@code :authority} of each call in order. */
  public List<String> authorities() {
    synchronized (authorities) {
      return List.copyOf(authorities);
    }
  }

  /** Whether each call in order arrived with a deadline ({@code grpc-timeout}). */
  public List<Boolean> deadlines() {
    synchronized (deadlines) {
      return List.copyOf(deadlines);
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class Registry extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(methodName)
          .setRequestMarshaller(NamedGrpcServer.BYTES)
          .setResponseMarshaller(NamedGrpcServer.BYTES)
          .build();
      return ServerMethodDefinition.create(method, new Handler());
    }
  }

  private final class Handler implements ServerCallHandler<byte[], byte[]> {
    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
      String attempt = headers.get(ATTEMPT);
      attempts.add(attempt == null ? "-" : attempt);
      authorities.add(String.valueOf(call.getAuthority()));
      received.add(headers);
      deadlines.add(io.grpc.Context.current().getDeadline() != null);
      Action a = script.poll();
      Action action = a == null ? fallback : a;
      if (!action.hang() && action.status() != Status.Code.OK) {
        call.close(Status.fromCode(action.status()).withDescription("scripted by " + name), new Metadata());
        return new ServerCall.Listener<>() {};
      }
      call.request(Integer.MAX_VALUE);
      return new ServerCall.Listener<>() {
        @Override
        public void onHalfClose() {
          if (action.hang()) {
            return;
          }
          call.sendHeaders(new Metadata());
          for (int i = 0; i < action.messages(); i++) {
            call.sendMessage(name.getBytes(StandardCharsets.UTF_8));
          }
          call.close(Status.OK, new Metadata());
        }
      };
    }
  }
}
