package io.bowline.samples.bookinfo;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import io.bowline.runtime.inbound.InboundConnection;
import io.bowline.runtime.inbound.InboundPort;
import io.bowline.runtime.inbound.RbacDecision;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.IntFunction;

/**
 * A Bookinfo workload's HTTP/1.1 server on its inbound port, through the runtime's inbound API
 * ({@code RuntimeMeshClient.serverListeners().port(n)}): each connection is let on by {@link InboundPort#accept}
 * (the PeerAuthentication mode: a STRICT port refuses plaintext, a PERMISSIVE one sniffs TLS or plaintext; TLS is
 * the workload certificate and SPIFFE peer verification), each request is checked by {@link InboundPort#check}
 * (AuthorizationPolicy as RBAC: a denied request gets 403 {@code RBAC: access denied} and never reaches the
 * handler), then handed to the workload's JDK {@link HttpHandler}. Keep-alive; request bodies by
 * {@code Content-Length}; each response is buffered and sent with its length. What the server saw is counted in
 * its {@link InboundTally}.
 */
final class InboundHttpServer implements AutoCloseable {
  private static final int MAX_LINE = 8192;

  private final ServerSocket socket;
  private final ExecutorService executor;
  private final InboundTally tally = new InboundTally();
  private volatile InboundPort port;
  private volatile HttpHandler handler;

  private InboundHttpServer(ServerSocket socket, ExecutorService executor) {
    this.socket = socket;
    this.executor = executor;
  }

  /**
   * Binds a fresh loopback port; {@link #serve} starts accepting.
   *
   * @throws IOException if the port cannot be bound
   */
  static InboundHttpServer bind(ExecutorService executor) throws IOException {
    return new InboundHttpServer(new ServerSocket(0, 200, InetAddress.getLoopbackAddress()), executor);
  }

  /** The bound port, on 127.0.0.1. */
  int port() {
    return socket.getLocalPort();
  }

  /**
   * Serves {@code handler} on the bound port, through {@code inbound} ({@code ports.apply(port())}).
   *
   * @param ports the mesh client's inbound view of a port
   */
  void serve(IntFunction<InboundPort> ports, HttpHandler handler) {
    this.port = ports.apply(port());
    this.handler = handler;
    executor.execute(this::acceptLoop);
  }

  /** What this server saw: per peer and status. */
  InboundTally tally() {
    return tally;
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      Socket accepted;
      try {
        accepted = socket.accept();
      } catch (IOException closed) {
        return;
      }
      executor.execute(() -> connection(accepted));
    }
  }

  private void connection(Socket accepted) {
    try (accepted) {
      accepted.setTcpNoDelay(true);
      InboundConnection connection;
      try {
        connection = port.accept(accepted);
      } catch (IOException refused) {
        tally.refused();
        return;
      }
      String peer = connection.peer() == null ? InboundTally.NO_PEER : connection.peer().principal();
      InputStream in = new java.io.BufferedInputStream(connection.in());
      OutputStream out = new java.io.BufferedOutputStream(connection.out());
      boolean open = true;
      while (open) {
        String requestLine = line(in);
        if (requestLine == null || requestLine.isEmpty()) {
          return;
        }
        String[] parts = requestLine.split(" ");
        if (parts.length != 3) {
          return;
        }
        Headers headers = new Headers();
        for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
          int colon = header.indexOf(':');
          if (colon > 0) {
            headers.add(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
          }
        }
        String length = headers.getFirst("Content-Length");
        byte[] body = length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length.trim()));
        open = !"close".equalsIgnoreCase(headers.getFirst("Connection"));
        RbacDecision decision = port.check(connection.request(parts[0], parts[1],
            String.valueOf(headers.getFirst("Host")), headers));
        Exchange exchange = new Exchange(accepted, parts[0], parts[1], headers, body, peer, out, tally);
        if (decision.allowed()) {
          handler.handle(exchange);
        } else {
          exchange.getResponseHeaders().set("Content-Type", "text/plain");
          byte[] denied = RbacDecision.DENIED_BODY.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(403, denied.length);
          exchange.getResponseBody().write(denied);
        }
        exchange.close();
      }
    } catch (IOException | RuntimeException broken) {
      // the peer went away or sent something this small server does not speak: drop the connection
    }
  }

  /** One CRLF-terminated ASCII line, or null at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != -1; b = in.read()) {
      if (b == '\n') {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
      }
      if (line.length() >= MAX_LINE) {
        throw new IOException("request line or header longer than " + MAX_LINE);
      }
      line.append((char) b);
    }
    return line.length() == 0 ? null : line.toString();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing: nothing more to do
    }
  }

  /**
   * The JDK exchange a handler sees for one request; the response is written when it is closed (by the handler or
   * after it), and counted in the tally just before, so a caller that has its answer finds the request counted.
   */
  private static final class Exchange extends HttpExchange {
    private final Socket socket;
    private final String method;
    private final URI uri;
    private final Headers requestHeaders;
    private final Headers responseHeaders = new Headers();
    private InputStream requestBody;
    private final ByteArrayOutputStream responseBody = new ByteArrayOutputStream() {
      @Override
      public void close() throws IOException {
        Exchange.this.close();
      }
    };
    private final OutputStream out;
    private final Map<String, Object> attributes = new HashMap<>();
    private final String peer;
    private final InboundTally tally;
    private int code = -1;
    private boolean sent;

    Exchange(Socket socket, String method, String target, Headers requestHeaders, byte[] body, String peer,
        OutputStream out, InboundTally tally) {
      this.socket = socket;
      this.peer = peer;
      this.tally = tally;
      this.method = method;
      this.uri = URI.create(target);
      this.requestHeaders = requestHeaders;
      this.requestBody = new ByteArrayInputStream(body);
      this.out = out;
      attributes.put(InboundTally.PEER_ATTRIBUTE, peer);
    }

    @Override
    public Headers getRequestHeaders() {
      return requestHeaders;
    }

    @Override
    public Headers getResponseHeaders() {
      return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
      return uri;
    }

    @Override
    public String getRequestMethod() {
      return method;
    }

    @Override
    public HttpContext getHttpContext() {
      throw new UnsupportedOperationException("no HttpContext: served by " + InboundHttpServer.class.getSimpleName());
    }

    @Override
    public void close() {
      if (sent) {
        return;
      }
      sent = true;
      try {
        int status = code < 0 ? 500 : code;
        tally.saw(peer, status);
        byte[] body = responseBody.toByteArray();
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status)
            .append(status == 200 ? " OK" : status == 403 ? " Forbidden" : " Status").append("\r\n");
        responseHeaders.forEach((name, values) -> {
          if (!name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Transfer-Encoding")) {
            values.forEach(v -> head.append(name).append(": ").append(v).append("\r\n"));
          }
        });
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public InputStream getRequestBody() {
      return requestBody;
    }

    @Override
    public OutputStream getResponseBody() {
      return responseBody;
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) {
      code = rCode;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
      return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    @Override
    public int getResponseCode() {
      return code;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
      return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    public String getProtocol() {
      return "HTTP/1.1";
    }

    @Override
    public Object getAttribute(String name) {
      return attributes.get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
      attributes.put(name, value);
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
      if (i != null) {
        requestBody = i;
      }
    }

    @Override
    public HttpPrincipal getPrincipal() {
      return null;
    }
  }
}
