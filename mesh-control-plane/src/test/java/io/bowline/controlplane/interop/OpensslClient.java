package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's {@code openssl s_client} as a test peer; the test is skipped when openssl is not installed. */
final class OpensslClient {

  private OpensslClient() {}

  /**
   * Sends one HTTP/1.1 {@code GET path} over {@code s_client} to {@code 127.0.0.1:port}, trusting {@code caFile},
   * presenting {@code files}' {@code cert-chain.pem}/{@code key.pem} or no certificate when null.
   *
   * @return everything s_client printed (with {@code -quiet}: the response, or the handshake error)
   */
  static String get(Path caFile, Path files, int port, String path) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
        "-CAfile", caFile.toString(), "-quiet"));
    if (files != null) {
      command.addAll(List.of("-cert", files.resolve("cert-chain.pem").toString(), "-key",
          files.resolve("key.pem").toString()));
    }
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      assumeTrue(false, "openssl is not installed: " + e.getMessage());
      throw e;
    }
    try (OutputStream in = process.getOutputStream()) {
      in.write(("GET " + path + " HTTP/1.1\r\nHost: greeter\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
    }
    try (InputStream out = process.getInputStream()) {
      String text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
      return text;
    }
  }
}
