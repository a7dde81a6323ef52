package io.bowline.spring.inbound;

import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.X509Certificate;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An MVC application on Tomcat with {@code server.ssl.bundle=bowline}: it serves the workload's SVID and requires
 * the peer's, the RBAC of its port answers 403 with the peer identity, and Istio's inbound metrics count it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class InboundMtlsRbacMvcTest extends ServedOverMeshMtls {

  @RestController
  static class Reviews {
    @GetMapping("/whoami")
    String whoami(HttpServletRequest request) {
      X509Certificate[] chain = (X509Certificate[]) request.getAttribute(InboundServletFilter.CERTIFICATES);
      return chain == null ? "nobody" : io.bowline.runtime.inbound.PeerIdentity.of(chain[0]).principal();
    }

    @GetMapping("/admin")
    String admin() {
      return "admin";
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import(Reviews.class)
  static class App {}
}
