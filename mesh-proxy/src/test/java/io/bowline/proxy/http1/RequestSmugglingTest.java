package io.bowline.proxy.http1;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.proxy.BowlineProxy;
import io.bowline.proxy.ProxyLimits;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request smuggling (RFC 9112 §6.3, §11.2) and Envoy's limits, over raw sockets: every vector is
 * refused with its status and the connection closed, and the application behind the proxy (which
 * logs every request it receives) receives none of them. A well-formed control request before the
 * vectors shows the path to the application works.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestSmugglingTest {
  private static final String APP = "app.default.svc.cluster.local";
  private static final String H = "Host: app\r\n";

  private XdsTestServer xds;
  private RecordingApp app;
  private MeshClient mesh;
  private BowlineProxy proxy;

  /** One malformed request, and the status it must get. */
  record Vector(String name, String bytes, int status) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  void start() throws Exception {
    app = new RecordingApp();
    xds = new XdsTestServer();
    xds.set(Snapshot.create(List.of(edsCluster("app", Cluster.LbPolicy.ROUND_ROBIN)), List.of(endpoints("app", app.port())),
        List.of(listener(APP, 80)), List.of(routes(APP, 80, toCluster(prefix("/"), "app"))), List.of(), "1"));
    mesh = MeshClient.builder().workload("smuggling", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(20));
    proxy = BowlineProxy.builder().mesh(mesh).outbound(0).threads(1)
        .limits(ProxyLimits.DEFAULTS.withTimeouts(Duration.ofMillis(500), Duration.ofMillis(800))).start();
  }

  @AfterAll
  void stop() throws Exception {
    proxy.close();
    mesh.close();
    xds.close();
    app.close();
  }

  @BeforeEach
  void clearLog() {
    app.received().clear();
  }

  static List<Vector> vectors() {
    String post = "POST / HTTP/1.1\r\n" + H;
    String chunked = post + "Transfer-Encoding: chunked\r\n\r\n";
    List<Vector> v = new ArrayList<>();
    // framing: Content-Length and Transfer-Encoding
    v.add(bad("Content-Length with Transfer-Encoding", post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    v.add(bad("Transfer-Encoding with Content-Length", post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"));
    v.add(bad("duplicate differing Content-Length", post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"));
    v.add(bad("Content-Length list with differing values", post + "Content-Length: 5, 6\r\n\r\nhello!"));
    v.add(bad("Content-Length not a number", post + "Content-Length: 5a\r\n\r\nhello"));
    v.add(bad("negative Content-Length", post + "Content-Length: -1\r\n\r\n"));
    v.add(bad("Content-Length with a plus sign", post + "Content-Length: +5\r\n\r\nhello"));
    v.add(bad("Content-Length with inner whitespace", post + "Content-Length: 5 5\r\n\r\nhello"));
    v.add(bad("hexadecimal Content-Length", post + "Content-Length: 0x5\r\n\r\nhello"));
    v.add(bad("empty Content-Length", post + "Content-Length: \r\n\r\n"));
    v.add(bad("Content-Length over 18 digits", post + "Content-Length: 1234567890123456789012\r\n\r\n"));
    v.add(bad("Transfer-Encoding chunked twice", post + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"));
    v.add(bad("Transfer-Encoding gzip then chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"));
    v.add(bad("Transfer-Encoding not chunked", post + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"));
    v.add(bad("two Transfer-Encoding lines", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    v.add(bad("Transfer-Encoding with a vertical tab", post + "Transfer-Encoding: \u000bchunked\r\n\r\n0\r\n\r\n"));
    v.add(bad("whitespace between the header name and the colon", post + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"));
    v.add(bad("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    // line folding and line endings
    v.add(bad("obs-fold", "GET / HTTP/1.1\r\n" + H + "X-Foo: a\r\n  b\r\n\r\n"));
    v.add(bad("obs-fold of Transfer-Encoding", post + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"));
    v.add(bad("a header line starting with a tab", "GET / HTTP/1.1\r\n\tHost: app\r\n\r\n"));
    v.add(bad("bare CR in a header value", "GET / HTTP/1.1\r\n" + H + "X-Foo: a\rb\r\n\r\n"));
    v.add(bad("bare LF line endings", "GET / HTTP/1.1\nHost: app\n\n"));
    v.add(bad("bare CR line endings", "GET / HTTP/1.1\rHost: app\r\r"));
    v.add(bad("bare LF ending the request line", "GET / HTTP/1.1\n" + H + "\r\n"));
    // header names and values
    v.add(bad("NUL in a header value", "GET / HTTP/1.1\r\n" + H + "X-Foo: a\u0000b\r\n\r\n"));
    v.add(bad("DEL in a header value", "GET / HTTP/1.1\r\n" + H + "X-Foo: a\u007fb\r\n\r\n"));
    v.add(bad("space inside a header name", "GET / HTTP/1.1\r\n" + H + "X Foo: a\r\n\r\n"));
    v.add(bad("separator in a header name", "GET / HTTP/1.1\r\n" + H + "X/Foo: a\r\n\r\n"));
    v.add(bad("empty header name", "GET / HTTP/1.1\r\n" + H + ": a\r\n\r\n"));
    v.add(bad("header line without a colon", "GET / HTTP/1.1\r\n" + H + "NoColon\r\n\r\n"));
    v.add(bad("non-ASCII header name", "GET / HTTP/1.1\r\n" + H + "X-F\u00e9o: a\r\n\r\n"));
    // chunk sizes, extensions and data
    v.add(bad("chunk size not hexadecimal", chunked + "zz\r\nhello\r\n0\r\n\r\n"));
    v.add(bad("negative chunk size", chunked + "-5\r\nhello\r\n0\r\n\r\n"));
    v.add(bad("chunk size with 0x", chunked + "0x5\r\nhello\r\n0\r\n\r\n"));
    v.add(bad("chunk size overflowing 64 bits", chunked + "1ffffffffffffffff\r\nhello\r\n0\r\n\r\n"));
    v.add(bad("chunk size with leading whitespace", chunked + " 5\r\nhello\r\n0\r\n\r\n"));
    v.add(bad("chunk size with trailing whitespace", chunked + "5 \r\nhello\r\n0\r\n\r\n"));
    v.add(bad("empty chunk size", chunked + "\r\nhello\r\n0\r\n\r\n"));
    v.add(bad("chunk extension without a name", chunked + "5;\r\nhello\r\n0\r\n\r\n"));
    v.add(bad("chunk extension with an empty name", chunked + "5;=x\r\nhello\r\n0\r\n\r\n"));
    v.add(bad("chunk extension with an unterminated quoted string", chunked + "5;a=\"x\r\nhello\r\n0\r\n\r\n"));
    v.add(bad("chunk extension with a bare CR", chunked + "5;a\rb\r\nhello\r\n0\r\n\r\n"));
    v.add(bad("chunk extension with a bare LF", chunked + "5;a\nhello\r\n0\r\n\r\n"));
    v.add(bad("chunk data longer than its size", chunked + "5\r\nhelloX\r\n0\r\n\r\n"));
    v.add(bad("chunk data ended by a bare LF", chunked + "5\r\nhello\n0\r\n\r\n"));
    v.add(bad("chunk size line ended by a bare LF", chunked + "5\nhello\r\n0\r\n\r\n"));
    v.add(bad("malformed trailer", chunked + "0\r\nBad Trailer\r\n\r\n"));
    v.add(bad("obs-fold in the trailers", chunked + "0\r\nX-T: a\r\n b\r\n\r\n"));
    // request line and Host
    v.add(bad("two spaces in the request line", "GET  / HTTP/1.1\r\n" + H + "\r\n"));
    v.add(bad("tab in the request line", "GET\t/ HTTP/1.1\r\n" + H + "\r\n"));
    v.add(bad("lower-case HTTP version", "GET / http/1.1\r\n" + H + "\r\n"));
    v.add(bad("separator in the method", "G(ET / HTTP/1.1\r\n" + H + "\r\n"));
    v.add(bad("control character in the target", "GET /a\u0001b HTTP/1.1\r\n" + H + "\r\n"));
    v.add(bad("non-ASCII in the target", "GET /a\u00e9 HTTP/1.1\r\n" + H + "\r\n"));
    v.add(bad("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n"));
    v.add(bad("two Host headers", "GET / HTTP/1.1\r\n" + H + "Host: other\r\n\r\n"));
    v.add(bad("absolute-form with userinfo", "GET http://user@app/ HTTP/1.1\r\n" + H + "\r\n"));
    v.add(bad("Host with a port out of range", "GET / HTTP/1.1\r\nHost: app:99999\r\n\r\n"));
    // Envoy's limits
    v.add(new Vector("101 header fields", "GET / HTTP/1.1\r\n" + H + "X-N: 1\r\n".repeat(100) + "\r\n", 431));
    v.add(new Vector("headers over 60 KiB", "GET / HTTP/1.1\r\n" + H + ("X-Big: " + "a".repeat(1000) + "\r\n").repeat(62) + "\r\n", 431));
    v.add(new Vector("a request target over 16 KiB", "GET /" + "a".repeat(16 * 1024) + " HTTP/1.1\r\n" + H + "\r\n", 414));
    v.add(new Vector("HTTP/2.0 in an HTTP/1 request line", "GET / HTTP/2.0\r\n" + H + "\r\n", 505));
    return v;
  }

  private static Vector bad(String name, String bytes) {
    return new Vector(name, bytes, 400);
  }

  @Test
  void thereAreAtLeastFortyVectors() {
    assertThat(vectors().stream().filter(v -> v.status() == 400)).hasSizeGreaterThanOrEqualTo(40);
  }

  @Test
  void aWellFormedRequestReachesTheApplication() throws Exception {
    try (RawConnection c = new RawConnection(proxy.outboundPort(), 5000)) {
      String response = c.send("POST /ok HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
          + "5;name=\"v\\\"x\"\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n").readUntilClosed();
      assertThat(response).startsWith("HTTP/1.1 200 ");
    }
    assertThat(app.received()).containsExactly("POST /ok 5");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void isRefusedAndTheConnectionClosedAndNothingReachesTheApplication(Vector v) throws Exception {
    String response;
    try (RawConnection c = new RawConnection(proxy.outboundPort(), 5000)) {
      response = c.send(v.bytes()).readUntilClosed();
    }
    assertThat(response).as(v.name()).startsWith("HTTP/1.1 " + v.status() + " ");
    assertThat(response).as(v.name()).containsIgnoringCase("connection: close");
    assertThat(response.indexOf("HTTP/1.1", 1)).as("one response only").isEqualTo(-1);
    assertThat(app.received()).as(v.name()).isEmpty();
  }

  @Test
  void slowHeadersGet408WhenTheRequestHeadersTimeoutPasses() throws Exception {
    try (RawConnection c = new RawConnection(proxy.outboundPort(), 5000)) {
      String response = c.send("GET / HTTP/1.1\r\nHo").readUntilClosed();
      assertThat(response).startsWith("HTTP/1.1 408 ");
    }
    assertThat(app.received()).isEmpty();
  }

  @Test
  void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    try (RawConnection c = new RawConnection(proxy.outboundPort(), 5000)) {
      assertThat(c.readUntilClosed()).isEmpty();
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (RawConnection c = new RawConnection(proxy.outboundPort(), 5000)) {
      String response = c.send("GET /1 HTTP/1.1\r\n" + H + "\r\nGET /2 HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n")
          .readUntilClosed();
      assertThat(response.split("HTTP/1.1 200 ", -1)).hasSize(3);
    }
    assertThat(app.received()).containsExactly("GET /1 0", "GET /2 0");
  }
}
