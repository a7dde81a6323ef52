package io.bowline.samples.spring;

import io.bowline.runtime.inbound.PeerIdentity;
import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.X509Certificate;
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
 * ({@code reviews.version}). Two of them run, v1 and v2; the mesh's routing picks between them. Each serves mutual
 * TLS only (PeerAuthentication STRICT) and denies {@code /internal/*} to mesh peers (AuthorizationPolicy DENY).
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
    Review review(@PathVariable("id") int id, HttpServletRequest request) {
      X509Certificate[] chain = (X509Certificate[]) request.getAttribute("jakarta.servlet.request.X509Certificate");
      return new Review(id, version, chain == null ? "none" : PeerIdentity.of(chain[0]).principal());
    }

    /** Denied to every mesh peer by the sample's AuthorizationPolicy: the mesh answers 403 before this runs. */
    @GetMapping("/internal/stats")
    String stats() {
      return "reviews " + version + " internal stats";
    }
  }

  /**
   * Starts reviews {@code version} on a free loopback port, on the mesh served at {@code xdsServer} as workload
   * {@code reviews} (labels {@code app}, {@code version} and Istio's {@code security.istio.io/tlsMode: istio}):
   * Tomcat serves the workload's SVID from the mesh ({@code server.ssl.bundle=bowline}) and requires the peer's,
   * and the starter's inbound filter applies the AuthorizationPolicies of its port.
   */
  static ConfigurableApplicationContext start(String version, String xdsServer) {
    return new SpringApplicationBuilder(ReviewsApplication.class).properties(
        "spring.application.name=reviews", "reviews.version=" + version, "server.address=127.0.0.1", "server.port=0",
        "bowline.xds.servers=" + xdsServer, "bowline.labels.app=reviews", "bowline.labels.version=" + version,
        "bowline.labels[security.istio.io/tlsMode]=istio", "server.ssl.bundle=bowline",
        "spring.main.banner-mode=off").run();
  }
}
