package io.bowline.samples.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's mesh page: productpage's admin endpoint shows Bookinfo's config while the stage runs, and stops with it. */
class BookinfoMeshPageTest {
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void productpagesMeshPageShowsBookinfoWhileTheStageRunsAndGoesAwayWithIt() throws Exception {
    String page;
    try (BookinfoStage stage = BookinfoStage.start()) {
      stage.rollOut("registration", List.of(), BookinfoDemo.CONVERGENCE_TIMEOUT);
      page = stage.app().meshPage();
      assertThat(page).startsWith("http://127.0.0.1:");
      HttpResponse<String> html = get(page);
      assertThat(html.statusCode()).isEqualTo(200);
      assertThat(html.body()).contains("<title>Bowline mesh</title>");
      assertThat(get(page + "ready").body()).isEqualTo("LIVE\n");
      String dump = get(page + "config_dump?include_eds").body();
      assertThat(dump).contains("reviews.default.svc.cluster.local:9080", "outbound|9080||ratings.default.svc.cluster.local",
          "outbound|9080||details.default.svc.cluster.local");
      assertThat(get(page + "clusters").body()).contains("outbound|9080||reviews.default.svc.cluster.local::127.0.0.1:");
    }
    assertThatThrownBy(() -> get(page)).as("the page is up only while the demo runs").isInstanceOf(IOException.class);
  }
}
