package io.bowline.runtime.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.HealthCheck;
import io.bowline.runtime.upstream.health.HealthCheckSession.Result;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code tcp_health_check} against a real loopback socket: connect only, and send/receive payloads. */
class TcpProbeTest {
  private static String hex(String s) {
    return HexFormat.of().formatHex(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static HealthCheck check(HealthCheck.Tcp tcp) {
    HealthCheck c = HealthCheckSessionTest.check(1, 1);
    return new HealthCheck(Duration.ofSeconds(2), c.interval(), Duration.ZERO, 0, 1, 1, c.noTrafficInterval(),
        c.noTrafficHealthyInterval(), c.unhealthyInterval(), c.unhealthyEdgeInterval(), c.healthyEdgeInterval(), tcp);
  }

  /** Answers each connection: reads 4 bytes, writes {@code reply}, closes. */
  private static ServerSocket server(String reply) throws IOException {
    ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!ss.isClosed()) {
        try (Socket s = ss.accept()) {
          InputStream in = s.getInputStream();
          in.readNBytes(4);
          s.getOutputStream().write(reply.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException closed) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
    return ss;
  }

  @Test
  void aConnectAlonePassesAndARefusedConnectionIsANetworkFailure() throws IOException {
    HealthCheck c = check(new HealthCheck.Tcp("", List.of()));
    int port;
    try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      port = ss.getLocalPort();
      assertThat(Probes.tcp(c, (HealthCheck.Tcp) c.kind(), "127.0.0.1", port)).isEqualTo(Result.PASS);
    }
    assertThat(Probes.tcp(c, (HealthCheck.Tcp) c.kind(), "127.0.0.1", port)).isEqualTo(Result.NETWORK_FAILURE);
  }

  @Test
  void thePayloadsMustComeBackInOrder() throws IOException {
    HealthCheck.Tcp tcp = new HealthCheck.Tcp(hex("ping"), List.of(hex("po"), hex("ng")));
    try (ServerSocket good = server("..pong..")) {
      assertThat(Probes.tcp(check(tcp), tcp, "127.0.0.1", good.getLocalPort())).isEqualTo(Result.PASS);
    }
    try (ServerSocket bad = server("ngpo")) {
      assertThat(Probes.tcp(check(tcp), tcp, "127.0.0.1", bad.getLocalPort())).isEqualTo(Result.NETWORK_FAILURE);
    }
  }
}
