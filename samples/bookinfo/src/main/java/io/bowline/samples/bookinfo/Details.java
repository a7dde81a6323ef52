package io.bowline.samples.bookinfo;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;

/** Bookinfo's {@code details} v1: {@code GET /details/<id>} returns the book's details. */
final class Details implements HttpHandler {

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      if (!path.startsWith("/details/")) {
        Exchanges.error(exchange, 404, "no such resource: " + path);
        return;
      }
      JsonObject book = new JsonObject();
      book.addProperty("id", path.substring("/details/".length()));
      book.addProperty("author", "William Shakespeare");
      book.addProperty("year", 1595);
      book.addProperty("type", "paperback");
      book.addProperty("pages", 200);
      book.addProperty("publisher", "PublisherA");
      book.addProperty("language", "English");
      book.addProperty("ISBN-10", "1234567890");
      book.addProperty("ISBN-13", "123-1234567890");
      Exchanges.respond(exchange, 200, book);
    } finally {
      exchange.close();
    }
  }
}
