package io.bowline.spring.inbound;

import io.bowline.runtime.inbound.PeerIdentity;
import java.security.cert.X509Certificate;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

/**
 * A WebFlux application on Reactor Netty with {@code server.ssl.bundle=bowline}: the mesh client's rotating key and
 * trust managers serve the workload's SVID and require the peer's, the RBAC of its port answers 403 with the peer
 * identity, and Istio's inbound metrics count it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "spring.main.web-application-type=reactive")
@DirtiesContext
class InboundMtlsRbacWebFluxTest extends ServedOverMeshMtls {

  @RestController
  static class Reviews {
    @GetMapping("/whoami")
    String whoami(ServerWebExchange exchange) {
      SslInfo ssl = exchange.getRequest().getSslInfo();
      X509Certificate[] chain = ssl == null ? null : ssl.getPeerCertificates();
      return chain == null || chain.length == 0 ? "nobody" : PeerIdentity.of(chain[0]).principal();
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
