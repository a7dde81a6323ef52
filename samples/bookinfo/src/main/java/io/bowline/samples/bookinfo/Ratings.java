package io.bowline.samples.bookinfo;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;

/** Bookinfo's {@code ratings} v1: {@code GET /ratings/<id>} returns {@code {"ratings":{"Reviewer1":5,"Reviewer2":4}}}. */
final class Ratings implements HttpHandler {

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      if (!path.startsWith("/ratings/")) {
        Exchanges.error(exchange, 404, "no such resource: " + path);
        return;
      }
      JsonObject stars = new JsonObject();
      stars.addProperty("Reviewer1", 5);
      stars.addProperty("Reviewer2", 4);
      JsonObject body = new JsonObject();
      body.addProperty("id", path.substring("/ratings/".length()));
      body.add("ratings", stars);
      Exchanges.respond(exchange, 200, body);
    } finally {
      exchange.close();
    }
  }
}
