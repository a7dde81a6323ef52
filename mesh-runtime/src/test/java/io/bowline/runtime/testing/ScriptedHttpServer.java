package io.bowline.runtime.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP/1.1 server on loopback that misbehaves on cue: each request takes the next
 * {@link Behavior} from a script (then the default): answer with a status, hang without answering
 * (until closed), reset the connection, or trickle the headers or the body byte by byte. It records every request's headers (lower-case names).
 */
public final class ScriptedHttpServer implements AutoCloseable {
  /** What to do with one request. */
  public sealed interface Behavior {}

  /** Answer {@code status} with body {@code body}. */
  public record Status(int status, String body) implements Behavior {}

  /** Read the request, then never answer (until the server closes). */
  public record Hang() implements Behavior {}

  /** Read the request, wait {@code millis} ms (a slow upstream), then answer 200 with the server's name. */
  public record Slow(long millis) implements Behavior {}

  /** Read the request, then close the connection without a response. */
  public record Reset() implements Behavior {}

  /**
   * Read the request, send the status line, then one byte of a header every {@code intervalMillis}
   * ms, never finishing the headers (until the server closes): an upstream that trickles.
   */
  public record TrickleHeaders(long intervalMillis) implements Behavior {}

  /**
   * Read the request, answer 200 with headers at once and a body of {@code length} bytes, one byte
   * every {@code intervalMillis} ms.
   */
  public record TrickleBody(int length, long intervalMillis) implements Behavior {}

  public static Behavior status(int s) {
    return new Status(s, "status " + s);
  }

  public static final Behavior HANG = new Hang();
  public static final Behavior RESET = new Reset();

  private final String name;
  private final ServerSocket socket;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "scripted-backend");
    t.setDaemon(true);
    return t;
  });
  private final ConcurrentLinkedDeque<Behavior> script = new ConcurrentLinkedDeque<>();
  private final List<Map<String, String>> requests = Collections.synchronizedList(new ArrayList<>());
  private final CountDownLatch closed = new CountDownLatch(1);
  private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
  private volatile Behavior fallback;

  /** @param name answered as the body of 200 responses */
  public ScriptedHttpServer(String name) throws IOException {
    this.name = name;
    this.fallback = new Status(200, name);
    this.socket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    pool.execute(this::acceptLoop);
  }

  public int port() {
    return socket.getLocalPort();
  }

  public String name() {
    return name;
  }

  /** Behaviours for the next requests, in order. */
  public ScriptedHttpServer then(Behavior... behaviors) {
    script.addAll(List.of(behaviors));
    return this;
  }

  /** The behaviour once the script is used up (default: 200 with the server's name). */
  public ScriptedHttpServer always(Behavior b) {
    fallback = b;
    return this;
  }

  /** Headers of every request received, lower-case names, in arrival order. */
  public List<Map<String, String>> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  public int requestCount() {
    return requests.size();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        s.setTcpNoDelay(true);
        sockets.add(s);
        pool.execute(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      OutputStream out = s.getOutputStream();
      while (true) {
        String line = in.readLine();
        if (line == null || line.isEmpty()) {
          return;
        }
        Map<String, String> headers = new HashMap<>();
        headers.put(":request-line", line);
        String h;
        while ((h = in.readLine()) != null && !h.isEmpty()) {
          int colon = h.indexOf(':');
          headers.put(h.substring(0, colon).trim().toLowerCase(), h.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
          int n = in.read(body, read, length - read);
          if (n < 0) {
            return;
          }
          read += n;
        }
        headers.put(":body", new String(body));
        requests.add(headers);
        Behavior b = script.poll();
        if (b == null) {
          b = fallback;
        }
        if (b instanceof Hang) {
          closed.await(30, TimeUnit.SECONDS);
          return;
        }
        if (b instanceof Slow slow) {
          if (closed.await(slow.millis(), TimeUnit.MILLISECONDS)) {
            return;
          }
          b = new Status(200, name);
        }
        if (b instanceof Reset) {
          s.setSoLinger(true, 0);
          return;
        }
        if (b instanceof TrickleHeaders t) {
          out.write("HTTP/1.1 200 OK\r\nx-trickle: ".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          while (!closed.await(t.intervalMillis(), TimeUnit.MILLISECONDS)) {
            out.write('x');
            out.flush();
          }
          return;
        }
        if (b instanceof TrickleBody t) {
          out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + t.length() + "\r\nx-served-by: " + name + "\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          for (int i = 0; i < t.length(); i++) {
            if (closed.await(t.intervalMillis(), TimeUnit.MILLISECONDS)) {
              return;
            }
            out.write('b');
            out.flush();
          }
          continue;
        }
        Status st = (Status) b;
        byte[] bytes = st.body().getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + st.status() + " X\r\nContent-Length: " + bytes.length
            + "\r\nx-served-by: " + name + "\r\nx-seen-host: " + headers.get("host") + "\r\n\r\n";
        byte[] h1 = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[h1.length + bytes.length];
        System.arraycopy(h1, 0, all, 0, h1.length);
        System.arraycopy(bytes, 0, all, h1.length, bytes.length);
        out.write(all); // one write: no Nagle / delayed-ACK stall between head and body
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // the client went away or the server is closing
    }
  }

  @Override
  public void close() throws IOException {
    closed.countDown();
    socket.close();
    synchronized (sockets) {
      for (Socket s : sockets) {
        s.close();
      }
    }
    pool.shutdownNow();
  }
}
