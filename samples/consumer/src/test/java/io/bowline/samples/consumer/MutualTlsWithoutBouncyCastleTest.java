package io.bowline.samples.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bouncy Castle is optional: this application does not have it. A cluster asking for mutual TLS from the implicit
 * {@code default} provider (the local CA, which needs a CSR) fails closed with 503 {@code UF} and a reason naming
 * the artifacts to add; nothing reaches the endpoint, and plain clusters keep routing.
 */
class MutualTlsWithoutBouncyCastleTest {
  @Test
  void aMutualTlsClusterFailsClosedNamingTheArtifactsToAdd(@TempDir Path dir) throws Exception {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("org.bouncycastle.asn1.ASN1Object"));
    AtomicInteger v2Requests = new AtomicInteger();
    HttpServer v1 = server(new AtomicInteger());
    HttpServer v2 = server(v2Requests);
    try {
      Path envoy = dir.resolve("envoy.json");
      Files.writeString(envoy, TwoVersionsConfig.jsonWithMutualTlsToV2("reviews", 9080, "/v2/",
          v1.getAddress().getPort(), v2.getAddress().getPort()));
      try (MeshClient mesh = MeshClient.builder().workload("consumer", "default").staticConfig(envoy).build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        try (Response response = http.newCall(new Request.Builder().url("http://reviews:9080/v2/reviews/0").build()).execute()) {
          String body = response.body().string();
          assertEquals(503, response.code(), body);
          assertTrue(body.contains("org.bouncycastle:bcpkix-jdk18on"), body);
        }
        try (Response response = http.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute()) {
          assertEquals(200, response.code());
        }
      }
      assertEquals(0, v2Requests.get(), "the mutual-TLS endpoint was called");
    } finally {
      v1.stop(0);
      v2.stop(0);
    }
  }

  private static HttpServer server(AtomicInteger requests) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      requests.incrementAndGet();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
    return server;
  }
}
