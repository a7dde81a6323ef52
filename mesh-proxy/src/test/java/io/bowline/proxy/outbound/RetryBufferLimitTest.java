package io.bowline.proxy.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.bowline.proxy.IstioMesh;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retries of HTTP/1.1 request bodies against Envoy's 1 MiB request buffer limit: curl uploads a file
 * ({@code --data-binary @file}, which reaches the proxy in many reads) to an upstream that answers the
 * first attempt 503 (VirtualService {@code retries.retryOn: 5xx}). A 512 KiB body is buffered and sent
 * again whole; a 2 MiB body streams to its one attempt and the caller gets that attempt's 503.
 */
class RetryBufferLimitTest {
  private HttpServer upstream;
  private final AtomicInteger calls = new AtomicInteger();
  private final List<Integer> bodies = new CopyOnWriteArrayList<>();
  private IstioMesh istio;

  @TempDir
  Path dir;

  @BeforeEach
  void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", exchange -> {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      bodies.add(body.length);
      byte[] text = ("got " + body.length).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(calls.incrementAndGet() == 1 ? 503 : 200, text.length);
      exchange.getResponseBody().write(text);
      exchange.close();
    });
    upstream.start();
    istio = new IstioMesh(IstioMesh.service("flaky", 8080, "HTTP", Map.of("v1", upstream.getAddress().getPort())) + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: flaky, namespace: default}
        spec:
          hosts: [flaky.default.svc.cluster.local]
          http:
          - route: [{destination: {host: flaky.default.svc.cluster.local}}]
            retries: {attempts: 3, retryOn: 5xx}
        """);
  }

  @AfterEach
  void stop() throws Exception {
    istio.close();
    upstream.stop(0);
  }

  private String upload(int bytes) throws Exception {
    Path file = dir.resolve("body-" + bytes);
    Files.write(file, new byte[bytes]);
    return Clients.run(List.of("curl", "-s", "-S", "--max-time", "20", "--noproxy", "", "-w", " %{http_code}",
        "-x", "http://127.0.0.1:" + istio.proxy().outboundPort(), "--data-binary", "@" + file,
        "http://flaky.default.svc.cluster.local:8080/upload"));
  }

  @Test
  void aBodyUnderTheBufferLimitArrivingInManyReadsIsReplayedOnRetry() throws Exception {
    assertThat(upload(512 * 1024)).isEqualTo("got 524288 200");
    assertThat(bodies).containsExactly(524288, 524288);
  }

  @Test
  void aBodyOverTheBufferLimitGoesToOneAttemptAndIsNotRetried() throws Exception {
    assertThat(upload(2 * 1024 * 1024)).isEqualTo("got 2097152 503");
    assertThat(bodies).containsExactly(2097152);
  }
}
