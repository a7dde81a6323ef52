package io.bowline.samples.bookinfo;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/** A JSON {@code GET} to another Bookinfo service, through the calling workload's mesh client. */
final class Upstream {

  private Upstream() {}

  /**
   * Fetches {@code url} (e.g. {@code http://reviews:9080/reviews/0}) and parses the body as a JSON
   * object, forwarding {@code end-user} as Istio's services do.
   *
   * @param user the signed-in user, or {@code null} when anonymous
   * @throws IOException if the call fails, the status is not 200 or the body is not a JSON object
   */
  static JsonObject getJson(OkHttpClient http, String url, String user) throws IOException {
    Request.Builder request = new Request.Builder().url(url);
    if (user != null) {
      request.header(Exchanges.END_USER, user);
    }
    try (Response response = http.newCall(request.build()).execute()) {
      ResponseBody body = response.body();
      String text = body.string();
      if (response.code() != 200) {
        throw new IOException("GET " + url + " returned " + response.code() + ": " + text);
      }
      try {
        return JsonParser.parseString(text).getAsJsonObject();
      } catch (RuntimeException e) {
        throw new IOException("GET " + url + " returned a body that is not a JSON object: " + text, e);
      }
    }
  }
}
