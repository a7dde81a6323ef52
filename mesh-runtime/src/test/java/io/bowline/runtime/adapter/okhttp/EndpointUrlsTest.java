package io.bowline.runtime.adapter.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.Endpoint;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

class EndpointUrlsTest {

  @Test
  void keepsEverythingButHostAndPort() {
    HttpUrl url = HttpUrl.get("http://u:p@reviews.default.svc:9080/a/b%20c?x=1&y=%2F#frag");

    HttpUrl rewritten = EndpointUrls.rewrite(url, endpoint("10.0.0.7", 8080));

    assertThat(rewritten.toString()).isEqualTo("http://u:p@10.0.0.7:8080/a/b%20c?x=1&y=%2F#frag");
  }

  @Test
  void anEndpointOnTheOtherSchemesDefaultPortKeepsItsPort() {
    HttpUrl rewritten = EndpointUrls.rewrite(HttpUrl.get("https://reviews/r"), endpoint("10.0.0.8", 80));

    assertThat(rewritten.scheme()).isEqualTo("https");
    assertThat(rewritten.port()).isEqualTo(80);
    assertThat(rewritten.encodedPath()).isEqualTo("/r");
    assertThat(rewritten.query()).isNull();
  }

  @Test
  void ipv6EndpointsAreBracketed() {
    HttpUrl rewritten = EndpointUrls.rewrite(HttpUrl.get("http://reviews:9080/"), endpoint("::1", 9080));

    assertThat(rewritten.toString()).isEqualTo("http://[::1]:9080/");
  }

  @Test
  void aRepeatedUrlIsServedFromTheEndpointsRecentRewritesAndOthersAreNotConfused() {
    Endpoint e = endpoint("10.0.0.9", 8080);
    HttpUrl first = EndpointUrls.rewrite(HttpUrl.get("http://reviews/a?x=1"), e);

    assertThat(EndpointUrls.rewrite(HttpUrl.get("http://reviews/a?x=1"), e)).isSameAs(first);
    for (int i = 0; i < 500; i++) { // more URLs than slots: collisions overwrite, never mix up
      assertThat(EndpointUrls.rewrite(HttpUrl.get("http://reviews/item/" + i), e).toString())
          .isEqualTo("http://10.0.0.9:8080/item/" + i);
    }
    assertThat(EndpointUrls.rewrite(HttpUrl.get("http://reviews/a?x=1"), endpoint("10.0.0.10", 8080)).toString())
        .isEqualTo("http://10.0.0.10:8080/a?x=1");
  }

  private static Endpoint endpoint(String address, int port) {
    return new Endpoint(address, port, 1, Endpoint.HealthStatus.HEALTHY);
  }
}
