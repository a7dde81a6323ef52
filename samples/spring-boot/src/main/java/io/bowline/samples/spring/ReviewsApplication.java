package io.bowline.samples.spring;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The backend: a Boot application answering {@code GET /reviews/{id}} with its version
 * ({@code reviews.version}). Two of them run, v1 and v2; the mesh's routing picks between them.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import(ReviewsApplication.Reviews.class)
public class ReviewsApplication {

  /** The reviews endpoint. */
  @RestController
  static class Reviews {
    private final String version;

    Reviews(@Value("${reviews.version}") String version) {
      this.version = version;
    }

    @GetMapping("/reviews/{id}")
    Review review(@PathVariable("id") int id) {
      return new Review(id, version);
    }
  }

  /**
   * Starts reviews {@code version} on a free loopback port. It is the mesh's upstream, not a mesh
   * client, so its own Bowline client is off.
   */
  static ConfigurableApplicationContext start(String version) {
    return new SpringApplicationBuilder(ReviewsApplication.class).properties(
        "spring.application.name=reviews", "reviews.version=" + version, "server.address=127.0.0.1", "server.port=0",
        "bowline.enabled=false", "spring.main.banner-mode=off").run();
  }
}
