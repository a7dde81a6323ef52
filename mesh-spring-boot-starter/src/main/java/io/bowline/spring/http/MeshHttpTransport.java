package io.bowline.spring.http;

import io.bowline.api.MeshClient;
import io.bowline.api.config.RouteTimeouts;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.pipeline.LocalResponse;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.ResponseFlags;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.pipeline.SerialScheduler;
import io.bowline.runtime.router.UpstreamCall;
import io.bowline.runtime.router.UpstreamResponse;
import io.bowline.runtime.router.timeout.Deadline;
import io.bowline.runtime.routing.RequestEditor;
import io.bowline.runtime.routing.RequestMutation;
import io.bowline.runtime.snapshot.OutboundListener;
import io.bowline.spring.inbound.InboundContext;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.http.HttpHeaders;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The Spring clients' way into the mesh: runs each request whose {@code host:port} names a mesh
 * listener through the exchange pipeline (the route's filter chain: the user's filters, Envoy's
 * fault filter, mirroring off, then the router with its retries, timeouts, circuit breakers and
 * outlier detection) over {@link NettyTransport}, without blocking a thread; other hosts are called
 * directly. RestClient and RestTemplate reach it through {@link MeshClientHttpRequestFactory},
 * WebClient through {@link MeshClientHttpConnector}.
 *
 * <p>Bodies are held in memory both ways (the request's so that a retry can replay it; the
 * response is read whole before the caller sees it). Local replies follow Envoy (404 {@code NR},
 * 503 {@code UH}, a fault's abort status...) with the response flags in
 * {@value #RESPONSE_FLAGS_HEADER}, on upstream responses too when there are any. Before the mesh's
 * first configuration, a request waits for it. The {@link InboundContext} of the request the calling
 * thread is serving goes with the request (for {@link io.bowline.spring.inbound.InboundPropagation}). Thread-safe; {@link #close()} releases the
 * connection pool and the timer thread.
 */
public final class MeshHttpTransport implements AutoCloseable {
  /** Response header carrying Envoy response flags, as the OkHttp adapter sends it. */
  public static final String RESPONSE_FLAGS_HEADER = "x-bowline-response-flags";

  private final OutboundRouter router;
  private final ConnectionProvider connections;
  private final NettySender sender;
  private final ScheduledExecutorService timer;

  /**
   * @param mesh the mesh client whose routing the requests follow
   * @throws IllegalArgumentException if {@code mesh} is not built by Bowline's runtime
   */
  public MeshHttpTransport(MeshClient mesh) {
    this.router = RuntimeMeshClient.of(mesh).router();
    this.connections = ConnectionProvider.create("bowline-http", 500);
    this.sender = new NettySender(HttpClient.create(connections));
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bowline-http-timer");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Sends {@code request} as the mesh routes it.
   *
   * @return the response: the upstream's or a local reply; it fails only when the request could not
   *     be sent to a host the mesh does not know, or the caller cancelled
   */
  public CompletableFuture<BufferedResponse> exchange(BufferedRequest request) {
    InboundContext inbound = InboundContext.current();
    if (!router.ready().isDone()) {
      return router.ready().handle((v, e) -> null).thenCompose(x -> routed(request, inbound));
    }
    return routed(request, inbound);
  }

  /**
   * Sends {@code request} as the mesh routes it and waits for the response, for blocking clients
   * (RestClient, RestTemplate, Feign). An interrupt cancels the exchange.
   *
   * @return the response: the upstream's or a local reply
   * @throws InterruptedIOException if the calling thread was interrupted while waiting
   * @throws IOException if the request could not be sent to a host the mesh does not know
   */
  public BufferedResponse send(BufferedRequest request) throws IOException {
    CompletableFuture<BufferedResponse> f = exchange(request);
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for " + request.method() + " " + request.uri());
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(request.method() + " " + request.uri() + " failed: " + cause, cause);
    }
  }

  private CompletableFuture<BufferedResponse> routed(BufferedRequest request, InboundContext inbound) {
    URI uri = request.uri();
    HttpMeshRequest view = new HttpMeshRequest(request);
    RoutedCall routed = router.route(uri.getHost(), request.port(), view);
    if (routed == RoutedCall.PASS_THROUGH) {
      String origin = uri.getScheme() + "://" + uri.getRawAuthority();
      return sender.send(request.method(), origin + request.pathAndQuery(), view.authority(), request.headers(),
          request.body(), Map.of(), 0, 0).toFuture();
    }
    SerialScheduler scheduler = new SerialScheduler((nanos, task) -> timer.schedule(task, nanos, TimeUnit.NANOSECONDS));
    Call call = new Call(request, view, scheduler);
    MeshExchange ex = new MeshExchange("http", view, router, uri.getHost(), request.port(),
        listenerName(routed, uri.getHost(), request.port()), routed, router.chain(routed), call);
    call.ex = ex;
    if (inbound != null) {
      ex.attributes().put(InboundContext.ATTRIBUTE, inbound);
    }
    ex.requestBodyBytes(request.body().length);
    CompletableFuture<BufferedResponse> out = new CompletableFuture<>();
    scheduler.execute(() -> ex.run().thenAccept(r -> {
      try {
        out.complete(call.respond(r));
      } catch (RuntimeException e) {
        out.completeExceptionally(e);
      }
    }));
    return out;
  }

  private String listenerName(RoutedCall routed, String host, int port) {
    if (routed instanceof RoutedCall.Upstream up) {
      return up.listenerName();
    }
    OutboundListener listener = router.listener(host, port);
    return listener == null ? host + ":" + port : listener.name();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    connections.dispose();
  }

  /**
   * One request in the pipeline: the router's start over the transport, the exchange's scheduler,
   * and the caller's response.
   */
  private final class Call implements MeshExchange.Upstreams {
    private final BufferedRequest request;
    private final HttpMeshRequest view;
    private final SerialScheduler scheduler;
    private MeshExchange ex; // set once, right after the exchange is made with this call
    private RoutedCall.Upstream upstream;

    Call(BufferedRequest request, HttpMeshRequest view, SerialScheduler scheduler) {
      this.request = request;
      this.view = view;
      this.scheduler = scheduler;
    }

    @Override
    public SerialScheduler scheduler() {
      return scheduler;
    }

    @Override
    public CompletionStage<ExchangeResponse> start(MeshExchange exchange, RoutedCall.Upstream up) {
      upstream = up;
      HttpHeaders headers = new HttpHeaders();
      headers.addAll(request.headers());
      Editor editor = new Editor(headers, view.authority(), request.pathAndQuery());
      if (ex.edits() != null) {
        ex.edits().forEach((name, values) -> {
          headers.remove(name);
          values.forEach(v -> headers.add(name, v));
        });
      }
      if (up.mutation().changesRequest()) {
        up.mutation().applyToRequest(ex, editor);
      }
      RouteTimeouts timeouts = up.route().policies().timeouts();
      Deadline deadline = Deadline.after(Deadline.of(timeouts));
      List<String> forwarded = headers.get(RequestMutation.FORWARDED_HOST_HEADER);
      UpstreamCall<BufferedResponse> call = new UpstreamCall<>(exchange,
          new NettyTransport(sender, request.method(), editor.path, headers, request.body(), deadline), true,
          Integer.MAX_VALUE, editor.authority, forwarded == null ? null : String.join(",", forwarded));
      return call.start();
    }

    /** The caller's response for the pipeline's result. */
    BufferedResponse respond(ExchangeResponse r) {
      String flags = ResponseFlags.join(ex.flags(), r.responseFlags());
      if (r instanceof UpstreamResponse<?> u) {
        BufferedResponse response = (BufferedResponse) u.response();
        HttpHeaders headers = new HttpHeaders();
        headers.addAll(response.headers());
        if (!flags.isEmpty()) {
          headers.set(RESPONSE_FLAGS_HEADER, flags);
        }
        if (upstream.mutation().changesResponse()) {
          upstream.mutation().applyToResponse(new Editor(headers, null, null));
        }
        ex.responded(response.status(), -1, flags, false);
        ex.addResponseBodyBytes(response.body().length);
        ex.complete();
        return new BufferedResponse(response.status(), headers, response.body());
      }
      LocalResponse local = r instanceof LocalResponse l ? l : LocalResponse.of(r.status(), r.responseFlags(), "");
      if (local.cause() != null && "DC".equals(local.responseFlags())) {
        ex.complete();
        throw new IllegalStateException("request cancelled: " + request.uri(), local.cause());
      }
      HttpHeaders headers = new HttpHeaders();
      headers.setContentType(org.springframework.http.MediaType.TEXT_PLAIN);
      local.headers().forEach(headers::set);
      if (!flags.isEmpty()) {
        headers.set(RESPONSE_FLAGS_HEADER, flags);
      }
      ex.responded(local.status(), local.grpcStatus(), flags, true);
      ex.complete();
      return new BufferedResponse(local.status(), headers, local.body().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Spring headers seen as the editors routing's {@code RequestMutation} writes through. */
  private static final class Editor implements RequestEditor {
    private final HttpHeaders headers;
    String authority;
    String path;

    Editor(HttpHeaders headers, String authority, String path) {
      this.headers = headers;
      this.authority = authority;
      this.path = path;
    }

    @Override
    public List<String> values(String name) {
      List<String> v = headers.get(name);
      return v == null ? List.of() : v;
    }

    @Override
    public void add(String name, String value) {
      headers.add(name, value);
    }

    @Override
    public void set(String name, String value) {
      headers.set(name, value);
    }

    @Override
    public void remove(String name) {
      headers.remove(name);
    }

    @Override
    public void path(String rawPath) {
      path = rawPath;
    }

    @Override
    public void authority(String authority) {
      this.authority = authority;
    }
  }

}
