package io.bowline.samples.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application that has only bowline-bom and mesh-runtime on its classpath routes a call: the
 * route configuration sends {@code /v2/...} to cluster reviews-v2 and everything else to reviews-v1,
 * and the call lands on v2's server.
 */
class ConsumerRoutesTest {
  @Test
  void aCallMatchingThePrefixRouteReachesThatRoutesCluster(@TempDir Path dir) throws Exception {
    HttpServer v1 = server("v1");
    HttpServer v2 = server("v2");
    try {
      Path envoy = dir.resolve("envoy.json");
      Files.writeString(envoy, TwoVersionsConfig.json("reviews", 9080, "/v2/", v1.getAddress().getPort(), v2.getAddress().getPort()));
      try (MeshClient mesh = MeshClient.builder().workload("consumer", "default").staticConfig(envoy).build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        try (Response response = http.newCall(new Request.Builder().url("http://reviews:9080/v2/reviews/0").build()).execute()) {
          assertEquals("200 v2", response.code() + " " + response.body().string());
        }
      }
    } finally {
      v1.stop(0);
      v2.stop(0);
    }
  }

  private static HttpServer server(String body) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    return server;
  }
}
