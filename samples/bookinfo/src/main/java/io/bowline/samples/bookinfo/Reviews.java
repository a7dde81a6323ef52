package io.bowline.samples.bookinfo;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import okhttp3.OkHttpClient;

/**
 * Bookinfo's {@code reviews}: {@code GET /reviews/<id>} returns two reviews and
 * {@code "version":"vN"}. v1 shows no stars; v2 (black stars) and v3 (red stars) call
 * {@code http://ratings:9080/ratings/<id>} through the reviews workload's mesh client, forwarding
 * {@code end-user}. If ratings fail, each review's {@code rating} is {@code {"error": ...}}.
 * Like Istio's reviews, v2 waits up to 10 s for ratings and v3 up to 2.5 s.
 */
final class Reviews implements HttpHandler {

  static final String RATINGS_URL = "http://ratings:9080/ratings/";

  private static final String[][] REVIEWS = {
    {"Reviewer1", "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"},
    {"Reviewer2", "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare."},
  };

  private final String version;
  private final String starColor;
  private final OkHttpClient outbound;

  /**
   * @param version {@code v1}, {@code v2} or {@code v3}
   * @param outbound this reviews workload's mesh-installed client
   */
  Reviews(String version, OkHttpClient outbound) {
    this.version = version;
    this.starColor = switch (version) {
      case "v1" -> null;
      case "v2" -> "black";
      case "v3" -> "red";
      default -> throw new IllegalArgumentException("reviews version must be v1, v2 or v3: " + version);
    };
    this.outbound = starColor == null ? outbound : outbound.newBuilder()
        .callTimeout(java.time.Duration.ofMillis("black".equals(starColor) ? 10_000 : 2_500)).build();
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      if (!path.startsWith("/reviews/")) {
        Exchanges.error(exchange, 404, "no such resource: " + path);
        return;
      }
      String productId = path.substring("/reviews/".length());
      JsonObject ratings = starColor == null ? null : ratings(productId, Exchanges.user(exchange));
      JsonArray reviews = new JsonArray();
      for (String[] review : REVIEWS) {
        JsonObject entry = new JsonObject();
        entry.addProperty("reviewer", review[0]);
        entry.addProperty("text", review[1]);
        if (ratings != null) {
          entry.add("rating", rating(ratings, review[0]));
        }
        reviews.add(entry);
      }
      JsonObject body = new JsonObject();
      body.addProperty("id", productId);
      body.addProperty("podname", "reviews-" + version);
      body.addProperty("version", version);
      body.add("reviews", reviews);
      Exchanges.respond(exchange, 200, body);
    } finally {
      exchange.close();
    }
  }

  /** The ratings service's answer, or {@code {"error": ...}} if it could not be reached. */
  private JsonObject ratings(String productId, String user) {
    try {
      return Upstream.getJson(outbound, RATINGS_URL + productId, user);
    } catch (IOException e) {
      JsonObject failed = new JsonObject();
      failed.addProperty("error", "Ratings service is currently unavailable (" + e.getMessage() + ")");
      return failed;
    }
  }

  private JsonObject rating(JsonObject ratings, String reviewer) {
    JsonObject rating = new JsonObject();
    JsonElement stars = ratings.has("ratings") ? ratings.getAsJsonObject("ratings").get(reviewer) : null;
    if (stars == null) {
      rating.addProperty("error", ratings.has("error") ? ratings.get("error").getAsString() : "no rating for " + reviewer);
    } else {
      rating.addProperty("stars", stars.getAsInt());
      rating.addProperty("color", starColor);
    }
    return rating;
  }
}
