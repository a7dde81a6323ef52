package io.bowline.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane's server limits against raw sockets: half an HTTP/2 preface, junk, and more connections
 * than allowed are closed, and a real ADS client is served meanwhile.
 */
class ConnectionLimitsTest {

  private static final byte[] HALF_PREFACE = "PRI * HTTP/2.0\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  /** An empty SETTINGS frame: length 0, type 4, flags 0, stream 0. */
  private static final byte[] EMPTY_SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};
  private static final ServerLimits LIMITS =
      new ServerLimits(Duration.ofSeconds(1), 40, 100, Duration.ofMinutes(10));

  @TempDir
  Path dir;

  private final List<Socket> sockets = new ArrayList<>();
  private final List<LogRecord> grpcLogs = new CopyOnWriteArrayList<>();
  private final Logger grpcLogger = Logger.getLogger("io.grpc.netty");
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.INFO.intValue()) {
        grpcLogs.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void setUp() throws IOException {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("services.yaml"));
    grpcLogger.addHandler(capture);
  }

  @AfterEach
  void closeSockets() throws IOException {
    grpcLogger.removeHandler(capture);
    for (Socket socket : sockets) {
      socket.close();
    }
  }

  private Socket connect(int port, byte[]... writes) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    sockets.add(socket);
    socket.setSoTimeout(50);
    for (byte[] bytes : writes) {
      socket.getOutputStream().write(bytes);
    }
    socket.getOutputStream().flush();
    return socket;
  }

  /** Whether the server closed {@code socket}: a read (after whatever the server sent) hits the end. */
  private static boolean closedByServer(Socket socket) {
    try {
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      while (true) {
        if (in.read(buffer) < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset by the server
    }
  }

  /**
   * Whether a connection beyond the limit is closed by the server: either while the preface is still being
   * written (a broken pipe or reset, when the server closed first) or on the read after it.
   */
  private boolean extraConnectionClosedByServer(int port) throws IOException {
    Socket extra;
    try {
      extra = connect(port, PREFACE, EMPTY_SETTINGS);
    } catch (SocketException closedWhileWriting) {
      return true;
    }
    return closedByServer(extra);
  }

  @Test
  void connectionsThatSendHalfAPrefaceAreClosedAfterTheHandshakeTimeout() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).serverLimits(LIMITS).start()) {
      List<Socket> halfOpen = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        halfOpen.add(connect(controlPlane.port(), HALF_PREFACE));
      }
      Socket complete = connect(controlPlane.port(), PREFACE, EMPTY_SETTINGS);

      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(halfOpen).allMatch(ConnectionLimitsTest::closedByServer));
      assertThat(closedByServer(complete)).as("a connection that completed the handshake").isFalse();
      try (AdsStream ads = new AdsStream(controlPlane.port())) {
        assertThat(ads.subscribe(AdsStream.CDS, List.of()).getResourcesCount()).isPositive();
      }
      complete.close();
    }
    assertThat(grpcLogs).isEmpty();
  }

  @Test
  void junkOnThePortIsClosedAtOnceWithoutAStackTrace() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).serverLimits(LIMITS).start()) {
      Socket http1 = connect(controlPlane.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      Socket wrongFrame = connect(controlPlane.port(), PREFACE, new byte[] {0, 0, 0, 1, 4, 0, 0, 0, 1});

      await().atMost(Duration.ofMillis(900)).untilAsserted(() -> {
        assertThat(closedByServer(http1)).isTrue();
        assertThat(closedByServer(wrongFrame)).isTrue();
      });
    }
    assertThat(grpcLogs).isEmpty();
  }

  @Test
  void connectionsBeyondTheLimitAreClosedAndTheLimitFreesUpAgain() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).serverLimits(LIMITS).start()) {
      List<Socket> allowed = new ArrayList<>();
      for (int i = 0; i < LIMITS.maxConnections(); i++) {
        allowed.add(connect(controlPlane.port(), PREFACE, EMPTY_SETTINGS));
      }
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(extraConnectionClosedByServer(controlPlane.port())).isTrue());
      assertThat(allowed).noneMatch(ConnectionLimitsTest::closedByServer);

      for (Socket socket : allowed) {
        socket.close();
      }
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        try (AdsStream ads = new AdsStream(controlPlane.port())) {
          assertThat(ads.subscribe(AdsStream.CDS, List.of()).getResourcesCount()).isPositive();
        }
      });
    }
  }
}
