package io.bowline.proxy.inbound;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A Python application (Debian's {@code /usr/bin/python3}, standard library only) on a loopback port: it logs one
 * line per request it receives ({@code <method> <path> <headers as JSON>}) and answers 200 with the headers it saw
 * as a JSON object.
 */
final class HeaderLoggingApp implements AutoCloseable {
  private static final String SCRIPT = """
      import http.server, json, sys
      class Handler(http.server.BaseHTTPRequestHandler):
          protocol_version = "HTTP/1.1"
          def do_GET(self):
              seen = {k.lower(): v for k, v in self.headers.items()}
              print(self.command, self.path, json.dumps(seen, sort_keys=True), flush=True)
              body = json.dumps(seen, sort_keys=True).encode()
              self.send_response(200)
              self.send_header("Content-Type", "application/json")
              self.send_header("Content-Length", str(len(body)))
              self.end_headers()
              self.wfile.write(body)
          def log_message(self, *args):
              pass
      http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
      """;

  private final Process process;
  private final Path log;
  private final int port;

  HeaderLoggingApp(Path dir) throws IOException {
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path script = Files.writeString(dir.resolve("app.py"), SCRIPT);
    log = dir.resolve("app.log");
    process = new ProcessBuilder("/usr/bin/python3", script.toString(), Integer.toString(port))
        .redirectOutput(log.toFile()).redirectErrorStream(true).start();
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      }
    });
  }

  int port() {
    return port;
  }

  /** The lines the application logged: one per request it received. */
  List<String> received() throws IOException {
    return Files.readAllLines(log, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }
}
