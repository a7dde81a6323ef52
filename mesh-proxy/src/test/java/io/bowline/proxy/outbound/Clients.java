package io.bowline.proxy.outbound;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The clients a conformance row runs through: curl and Python's urllib through the proxy, each in
 * both addressing styles (absolute-form to an HTTP proxy, and origin-form with the service as
 * {@code Host}), and the library's OkHttp adapter on the same mesh client, which the proxy must
 * match.
 */
enum Clients {
  CURL_AS_HTTP_PROXY,
  CURL_WITH_HOST,
  PYTHON_AS_HTTP_PROXY,
  PYTHON_WITH_HOST,
  LIBRARY;

  /** What a row checks of a response. */
  record Outcome(int status, String backend, String flags, String seenPath) {
    @Override
    public String toString() {
      return status + " " + backend + " [" + flags + "] " + seenPath;
    }
  }

  /** A response: status and lower-case headers. */
  record Raw(int status, Map<String, String> headers) {
    Outcome outcome() {
      return new Outcome(status, headers.getOrDefault("x-backend", "-"),
          headers.getOrDefault("x-bowline-response-flags", ""), headers.getOrDefault("x-seen-path", "-"));
    }
  }

  private static final Map<MeshClient, OkHttpClient> LIBRARY_CLIENTS = new HashMap<>();

  /**
   * Sends {@code GET url} with {@code headers} through the proxy on {@code proxyPort} (or the
   * library on {@code mesh}).
   */
  Raw get(int proxyPort, MeshClient mesh, String url, Map<String, String> headers) {
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(e);
    }
    String proxy = "http://127.0.0.1:" + proxyPort;
    String pathAndQuery = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    List<String> cmd = new ArrayList<>();
    switch (this) {
      case CURL_AS_HTTP_PROXY:
      case CURL_WITH_HOST:
        cmd.addAll(List.of("curl", "-s", "-S", "--max-time", "10", "-D", "-", "-o", "/dev/null", "--noproxy", ""));
        if (this == CURL_AS_HTTP_PROXY) {
          cmd.addAll(List.of("-x", proxy, url));
        } else {
          cmd.addAll(List.of(proxy + pathAndQuery, "-H", "Host: " + u.getRawAuthority()));
        }
        headers.forEach((k, v) -> cmd.addAll(List.of("-H", k + ": " + v)));
        return parse(run(cmd), true);
      case PYTHON_AS_HTTP_PROXY:
      case PYTHON_WITH_HOST:
        cmd.addAll(List.of("python3", script().toString(), this == PYTHON_AS_HTTP_PROXY ? "proxy" : "host", proxy, url));
        headers.forEach((k, v) -> cmd.add(k + ":" + v));
        return parse(run(cmd), false);
      case LIBRARY:
      default:
        OkHttpClient http = LIBRARY_CLIENTS.computeIfAbsent(mesh,
            m -> BowlineOkHttp.install(m, new OkHttpClient.Builder().followRedirects(false)).build());
        Request.Builder b = new Request.Builder().url(url);
        headers.forEach(b::header);
        try (Response r = http.newCall(b.build()).execute()) {
          Map<String, String> h = new HashMap<>();
          r.headers().names().forEach(n -> h.put(n.toLowerCase(Locale.ROOT), String.join(",", r.headers(n))));
          return new Raw(r.code(), h);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
    }
  }

  private static Raw parse(String out, boolean statusLine) {
    String[] lines = out.split("\r?\n");
    int status = statusLine ? Integer.parseInt(lines[0].split(" ")[1]) : Integer.parseInt(lines[0].trim());
    Map<String, String> h = new HashMap<>();
    for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
      int c = lines[i].indexOf(':');
      if (c > 0) {
        h.merge(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim(), (a, b) -> a + "," + b);
      }
    }
    return new Raw(status, h);
  }

  static String run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + new String(out, StandardCharsets.UTF_8));
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Path script;

  /** The Python client, copied out of the test class path once. */
  static synchronized Path script() {
    if (script == null) {
      try (var in = Clients.class.getResourceAsStream("/http_client.py")) {
        Path p = Files.createTempFile("bowline-http-client", ".py");
        Files.write(p, in.readAllBytes());
        p.toFile().deleteOnExit();
        script = p;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return script;
  }
}
