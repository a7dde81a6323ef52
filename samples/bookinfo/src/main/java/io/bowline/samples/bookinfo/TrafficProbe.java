package io.bowline.samples.bookinfo;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Requests Bookinfo's product page as a plain client outside the mesh (like a browser), straight from
 * productpage's port or through the ingress gateway, and counts which reviews version served each page.
 */
final class TrafficProbe implements AutoCloseable {

  /**
   * What one caller saw.
   *
   * @param versions pages per reviews version
   * @param errors pages with any failed part
   * @param firstError the first failure, or {@code null}
   */
  record Observed(Map<String, Integer> versions, int errors, String firstError) {}

  private final OkHttpClient http = new OkHttpClient();
  private final HttpUrl productPage;

  /** @param port the port serving {@code /productpage} on 127.0.0.1: productpage's own, or the ingress gateway's */
  TrafficProbe(int port) {
    this.productPage = HttpUrl.get("http://127.0.0.1:" + port + "/productpage");
  }

  /** The port the probe requests the page from, on 127.0.0.1. */
  int port() {
    return productPage.port();
  }

  /** Requests the page {@code requests} times as {@code caller} (query {@code ?u=jason} when signed in). */
  Observed run(Caller caller, int requests) {
    HttpUrl url = caller.user() == null ? productPage : productPage.newBuilder().addQueryParameter("u", caller.user()).build();
    Map<String, Integer> versions = new HashMap<>();
    int errors = 0;
    String firstError = null;
    for (int i = 0; i < requests; i++) {
      String problem;
      try {
        JsonObject page = fetch(url);
        JsonObject reviews = page.getAsJsonObject("reviews");
        JsonElement version = reviews == null ? null : reviews.get("version");
        if (version != null) {
          versions.merge(version.getAsString(), 1, Integer::sum);
        }
        problem = problem(page);
      } catch (IOException | RuntimeException e) {
        problem = "GET " + url + ": " + e;
      }
      if (problem != null) {
        errors++;
        if (firstError == null) {
          firstError = problem;
        }
      }
    }
    return new Observed(versions, errors, firstError);
  }

  private JsonObject fetch(HttpUrl url) throws IOException {
    try (Response response = http.newCall(new Request.Builder().url(url).build()).execute()) {
      String body = response.body().string();
      if (response.code() != 200) {
        throw new IOException("status " + response.code() + ": " + body);
      }
      return JsonParser.parseString(body).getAsJsonObject();
    }
  }

  /** The first failed part of a page, or {@code null} if details, reviews and ratings all arrived. */
  private static String problem(JsonObject page) {
    for (String part : new String[] {"details", "reviews"}) {
      JsonObject section = page.getAsJsonObject(part);
      if (section == null || section.has("error")) {
        return section == null ? "page has no " + part : section.get("error").getAsString();
      }
    }
    JsonObject reviews = page.getAsJsonObject("reviews");
    if (!reviews.has("version")) {
      return "reviews carry no version: " + reviews;
    }
    boolean stars = !reviews.get("version").getAsString().equals("v1");
    for (JsonElement review : reviews.getAsJsonArray("reviews")) {
      JsonObject rating = review.getAsJsonObject().getAsJsonObject("rating");
      if (rating != null && rating.has("error")) {
        return rating.get("error").getAsString();
      }
      if (stars && rating == null) {
        return "reviews " + reviews.get("version").getAsString() + " show no stars: " + reviews;
      }
    }
    return null;
  }

  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
