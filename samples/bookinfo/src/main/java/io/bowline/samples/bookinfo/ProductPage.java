package io.bowline.samples.bookinfo;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import okhttp3.OkHttpClient;

/**
 * Bookinfo's {@code productpage}: {@code GET /productpage} composes the book's details and reviews.
 *
 * <p>The user comes from header {@code end-user} or query {@code ?u=jason}; when signed in, it is
 * forwarded to {@code details} and {@code reviews} as {@code end-user}, as Istio's productpage
 * does. The response is {@code {"user":..., "details":{...}, "reviews":{"version":"v2", ...}}};
 * a backend that failed is shown as {@code {"error": ...}} in its place, with status 200.
 *
 * <p>Like Istio's productpage, it gives each backend call {@value #TIMEOUT_SECONDS} s and tries
 * twice (one retry): an application-level timeout that cuts short a slow reviews service (the
 * fault-injection task's 7 s ratings delay makes the page show reviews as unavailable after ~6 s).
 */
final class ProductPage implements HttpHandler {

  static final String DETAILS_URL = "http://details:9080/details/0";
  static final String REVIEWS_URL = "http://reviews:9080/reviews/0";

  /** productpage's own timeout per backend call, seconds. */
  static final int TIMEOUT_SECONDS = 3;
  /** Tries per backend call (1 + one retry). */
  static final int TRIES = 2;

  private final OkHttpClient outbound;

  /** @param outbound the productpage workload's mesh-installed client */
  ProductPage(OkHttpClient outbound) {
    this.outbound = outbound.newBuilder().callTimeout(java.time.Duration.ofSeconds(TIMEOUT_SECONDS)).build();
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try {
      if (!exchange.getRequestURI().getPath().equals("/productpage")) {
        Exchanges.error(exchange, 404, "no such page: " + exchange.getRequestURI().getPath());
        return;
      }
      String user = Exchanges.user(exchange);
      JsonObject page = new JsonObject();
      if (user != null) {
        page.addProperty("user", user);
      }
      page.add("details", fetch(DETAILS_URL, user, "Sorry, product details are currently unavailable for this book."));
      page.add("reviews", fetch(REVIEWS_URL, user, "Sorry, product reviews are currently unavailable for this book."));
      Exchanges.respond(exchange, 200, page);
    } finally {
      exchange.close();
    }
  }

  private JsonObject fetch(String url, String user, String apology) {
    IOException last = null;
    for (int i = 0; i < TRIES; i++) {
      try {
        return Upstream.getJson(outbound, url, user);
      } catch (IOException e) {
        last = e;
      }
    }
    JsonObject failed = new JsonObject();
    failed.addProperty("error", apology + " (" + last.getMessage() + ")");
    return failed;
  }
}
