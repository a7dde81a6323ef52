package io.bowline.samples.bookinfo;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Reads requests and writes JSON responses on the JDK's {@link HttpExchange}. */
final class Exchanges {

  /** Istio's Bookinfo carries the signed-in user in this request header. */
  static final String END_USER = "end-user";

  private Exchanges() {}

  /**
   * The signed-in user: header {@code end-user}, else query parameter {@code u}; {@code null}
   * when anonymous.
   */
  static String user(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst(END_USER);
    if (header != null && !header.isBlank()) {
      return header;
    }
    String query = exchange.getRequestURI().getRawQuery();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals("u")) {
        String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        return value.isBlank() ? null : value;
      }
    }
    return null;
  }

  /** Sends {@code body} as {@code application/json} with the given status and closes the exchange. */
  static void respond(HttpExchange exchange, int status, JsonObject body) throws IOException {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Sends a JSON {@code {"error": message}} with the given status and closes the exchange. */
  static void error(HttpExchange exchange, int status, String message) throws IOException {
    JsonObject body = new JsonObject();
    body.addProperty("error", message);
    respond(exchange, status, body);
  }
}
