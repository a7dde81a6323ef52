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
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The upstream side of the byte-level HTTP/1.1 path ({@link Http1ResponseDecoder}), over raw
 * sockets at both ends: a malformed or ambiguous response head is answered 503 and never relayed;
 * a body whose framing breaks after the head resets the downstream connection before a complete
 * message; bytes no request asked for never become the next request's response; and the framing
 * rules that are easy to get wrong (HEAD, 204, 304, interim 1xx, close-delimited bodies, chunked
 * bodies with trailers) are relayed as HTTP/1.1 says.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponseSmugglingTest {
  private static final String APP = "app.default.svc.cluster.local";
  private static final String SMUGGLED = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nX-Smuggled: yes\r\n\r\nsmuggled";

  private XdsTestServer xds;
  private ScriptedUpstream upstream;
  private MeshClient mesh;
  private BowlineProxy proxy;

  /** An upstream response, and whether the proxy must refuse it at its head (503) or after it (reset). */
  record Vector(String name, String bytes, boolean atHead) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  void start() throws Exception {
    upstream = new ScriptedUpstream();
    List<Vector> all = new ArrayList<>(vectors());
    for (int i = 0; i < all.size(); i++) {
      upstream.script("/v" + i, all.get(i).bytes(), true);
    }
    xds = new XdsTestServer();
    xds.set(Snapshot.create(List.of(edsCluster("app", Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints("app", upstream.port())), List.of(listener(APP, 80)),
        List.of(routes(APP, 80, toCluster(prefix("/"), "app"))), List.of(), "1"));
    mesh = MeshClient.builder().workload("response-smuggling", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(20));
    proxy = BowlineProxy.builder().mesh(mesh).outbound(0).threads(1).start();
  }

  @AfterAll
  void stop() throws Exception {
    proxy.close();
    mesh.close();
    xds.close();
    upstream.close();
  }

  static List<Vector> vectors() {
    String ok = "HTTP/1.1 200 OK\r\n";
    String chunked = ok + "Transfer-Encoding: chunked\r\n\r\n";
    List<Vector> v = new ArrayList<>();
    v.add(head("Content-Length with Transfer-Encoding", ok + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    v.add(head("Transfer-Encoding with Content-Length", ok + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"));
    v.add(head("duplicate differing Content-Length", ok + "Content-Length: 2\r\nContent-Length: 10\r\n\r\nok" + SMUGGLED));
    v.add(head("Content-Length list with differing values", ok + "Content-Length: 2, 10\r\n\r\nok"));
    v.add(head("Content-Length not a number", ok + "Content-Length: 2a\r\n\r\nok"));
    v.add(head("negative Content-Length", ok + "Content-Length: -2\r\n\r\nok"));
    v.add(head("Transfer-Encoding gzip", ok + "Transfer-Encoding: gzip\r\n\r\nok"));
    v.add(head("Transfer-Encoding chunked twice", ok + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    v.add(head("obs-fold", ok + "X-Foo: a\r\n b\r\nContent-Length: 0\r\n\r\n"));
    v.add(head("bare LF line endings", "HTTP/1.1 200 OK\nContent-Length: 0\n\n"));
    v.add(head("bare CR in a header value", ok + "X-Foo: a\rb\r\nContent-Length: 0\r\n\r\n"));
    v.add(head("whitespace before the colon", ok + "Content-Length : 0\r\n\r\n"));
    v.add(head("NUL in a header value", ok + "X-Foo: a\u0000b\r\nContent-Length: 0\r\n\r\n"));
    v.add(head("two-digit status", "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n"));
    v.add(head("HTTP/2.0 status line", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
    v.add(head("lower-case version", "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    v.add(head("not HTTP at all", "SSH-2.0-OpenSSH_9.2\r\n"));
    v.add(head("101 header fields", ok + "X-N: 1\r\n".repeat(101) + "Content-Length: 0\r\n\r\n"));
    v.add(body("chunk size not hexadecimal", chunked + "zz\r\nok\r\n0\r\n\r\n"));
    v.add(body("chunk size overflowing 64 bits", chunked + "1ffffffffffffffff\r\nok\r\n0\r\n\r\n"));
    v.add(body("chunk size with leading whitespace", chunked + " 2\r\nok\r\n0\r\n\r\n"));
    v.add(body("chunk data longer than its size", chunked + "2\r\nokX\r\n0\r\n\r\n"));
    v.add(body("malformed chunk extension", chunked + "2;\r\nok\r\n0\r\n\r\n"));
    v.add(body("chunk size line ended by a bare LF", chunked + "2\nok\r\n0\r\n\r\n"));
    v.add(body("bytes after the response", ok + "Content-Length: 2\r\n\r\nok" + SMUGGLED));
    return v;
  }

  private static Vector head(String name, String bytes) {
    return new Vector(name, bytes, true);
  }

  private static Vector body(String name, String bytes) {
    return new Vector(name, bytes, false);
  }

  private String get(String path, String method) throws Exception {
    try (RawConnection c = new RawConnection(proxy.outboundPort(), 5000)) {
      return c.send(method + " " + path + " HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n").readUntilClosed();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void aMalformedResponseIsNeverRelayedAsAWholeMessage(Vector v) throws Exception {
    String response = get("/v" + vectors().indexOf(v), "GET");
    assertThat(response).as(v.name()).doesNotContain("smuggled").doesNotContain("X-Smuggled");
    if (v.atHead()) {
      assertThat(response).as(v.name()).startsWith("HTTP/1.1 503 ");
      return;
    }
    // the head went downstream before the body broke: the connection ends without a complete message
    assertThat(response).as(v.name()).doesNotEndWith("0\r\n\r\n");
    if (response.startsWith("HTTP/1.1 200 ") && response.toLowerCase().contains("content-length: 2")) {
      assertThat(response).as(v.name()).endsWith("ok"); // only what the head announced
    }
  }

  @Test
  void bytesAnIdleConnectionReceivesNeverAnswerTheNextRequest() throws Exception {
    upstream.script("/first", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst", false);
    upstream.script("/second", "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond", false);
    assertThat(get("/first", "GET")).startsWith("HTTP/1.1 200 ").endsWith("first");
    assertThat(get("/second", "GET")).startsWith("HTTP/1.1 200 ").endsWith("second");
  }

  @Test
  void interimResponsesAreDroppedAndTheFinalOneRelayed() throws Exception {
    upstream.script("/interim", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
        + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal", true);
    String response = get("/interim", "GET");
    assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nfinal").doesNotContain("Continue", "Early");
  }

  @Test
  void aResponseToHeadHasNoBodyWhateverItsContentLengthSays() throws Exception {
    upstream.script("/head", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false);
    upstream.script("/after-head", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter", false);
    try (RawConnection c = new RawConnection(proxy.outboundPort(), 5000)) {
      String response = c.send("HEAD /head HTTP/1.1\r\nHost: app\r\n\r\nGET /after-head HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n")
          .readUntilClosed();
      assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("content-length: 5\r\n")
          .endsWith("\r\n\r\nafter");
      assertThat(response.split("HTTP/1.1 200 ", -1)).hasSize(3);
    }
  }

  @Test
  void noContentAndNotModifiedHaveNoBody() throws Exception {
    upstream.script("/204", "HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\n", false);
    upstream.script("/304", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", false);
    assertThat(get("/204", "GET")).startsWith("HTTP/1.1 204 No Content\r\n").endsWith("\r\n\r\n");
    String notModified = get("/304", "GET");
    assertThat(notModified).startsWith("HTTP/1.1 304 Not Modified\r\n").endsWith("\r\n\r\n");
    assertThat(notModified.toLowerCase()).doesNotContain("transfer-encoding");
  }

  @Test
  void equalContentLengthsAreOneLength() throws Exception {
    upstream.script("/same-length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", true);
    assertThat(get("/same-length", "GET")).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nok");
  }

  @Test
  void aCloseDelimitedBodyIsRelayedChunkedAndEnds() throws Exception {
    upstream.script("/until-close", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close", true);
    String response = get("/until-close", "GET");
    assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("transfer-encoding: chunked\r\n")
        .endsWith("\r\n\r\nb\r\nuntil close\r\n0\r\n\r\n");
  }

  @Test
  void aChunkedBodyKeepsItsBytesAndTrailers() throws Exception {
    upstream.script("/chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: x-hop\r\nX-Hop: 1\r\nX-Keep: 2\r\n\r\n"
        + "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n", false);
    String response = get("/chunked", "GET");
    assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").contains("X-Keep: 2\r\n").doesNotContain("X-Hop")
        .endsWith("3\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n");
  }
}
