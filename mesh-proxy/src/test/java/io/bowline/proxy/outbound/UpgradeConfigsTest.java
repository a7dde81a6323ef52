package io.bowline.proxy.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.proxy.BowlineProxy;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code upgrade_configs} as Istio sets them ({@code websocket} only), on the listener's connection manager (here
 * an inbound listener in front of the JDK's HTTP server): curl asking for another upgrade, and a
 * {@code CONNECT} (curl's {@code --proxytunnel}), get Envoy's rejection, 403 with an empty body, and nothing reaches
 * the application; {@code Upgrade: h2c} is served over HTTP/1.1.
 */
class UpgradeConfigsTest {
  private static com.sun.net.httpserver.HttpServer app;
  private static final java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
  private static BowlineProxy proxy;

  @BeforeAll
  static void start() throws Exception {
    app = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext("/", exchange -> {
      seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
      exchange.sendResponseHeaders(200, 2);
      exchange.getResponseBody().write("ok".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      exchange.close();
    });
    app.start();
    proxy = BowlineProxy.builder().inbound(0, app.getAddress().getPort()).threads(1).start();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    app.stop(0);
  }

  private static String curl(String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-s", "-S", "--max-time", "10", "--noproxy", "",
        "-o", "/dev/null", "-w", "%{http_code} %{size_download}"));
    cmd.addAll(List.of(args));
    return Clients.run(cmd);
  }

  /** curl's output whatever its exit status (a refused CONNECT is curl's error 56). */
  private static String anyExit(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void anUpgradeOtherThanWebsocketIs403WithAnEmptyBody() {
    String url = "http://127.0.0.1:" + proxy.inboundPort() + "/up";

    assertThat(curl("-H", "Connection: Upgrade", "-H", "Upgrade: foo/2", url)).isEqualTo("403 0");
    assertThat(curl("-H", "Connection: Upgrade, HTTP2-Settings", "-H", "Upgrade: h2c", "-H", "HTTP2-Settings: AAMAAABkAAQAAP__",
        url)).isEqualTo("200 2");
    assertThat(seen).containsExactly("GET /up");
  }

  @Test
  void aConnectWithoutAConnectUpgradeConfigIs403() throws Exception {
    String out = anyExit(List.of("curl", "-s", "--max-time", "10", "--noproxy", "", "-o", "/dev/null",
        "-w", "%{http_connect}", "-p", "-x", "http://127.0.0.1:" + proxy.inboundPort(),
        "http://127.0.0.1:" + app.getAddress().getPort() + "/tunnel"));

    assertThat(out).startsWith("403");
    assertThat(seen).doesNotContain("GET /tunnel");
  }
}
