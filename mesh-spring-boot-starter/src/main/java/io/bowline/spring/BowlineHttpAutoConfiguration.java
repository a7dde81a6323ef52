package io.bowline.spring;

import io.bowline.api.MeshClient;
import io.bowline.spring.feign.MeshFeignClient;
import io.bowline.spring.http.MeshClientHttpConnector;
import io.bowline.spring.http.MeshClientHttpRequestFactory;
import io.bowline.spring.http.MeshHttpTransport;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Puts Spring's HTTP clients on the mesh: {@code RestClient}s and {@code RestTemplate}s built from
 * Boot's builders get a {@link MeshClientHttpRequestFactory}, {@code WebClient}s built from
 * {@code WebClient.Builder} a {@link MeshClientHttpConnector}, all over one
 * {@link MeshHttpTransport} (closed with the context); with Feign present, a {@code feign.Client}
 * bean ({@link MeshFeignClient}) that OpenFeign's clients use. {@code bowline.clients.http=false}
 * leaves them as they are.
 */
@AutoConfiguration(after = BowlineAutoConfiguration.class, beforeName = "org.springframework.cloud.openfeign.FeignAutoConfiguration")
@ConditionalOnClass({MeshClient.class, RestClient.class, reactor.netty.http.client.HttpClient.class})
@ConditionalOnBooleanProperty(name = "bowline.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "bowline.clients.http", matchIfMissing = true)
@ConditionalOnBean(MeshClient.class)
public class BowlineHttpAutoConfiguration {

  /** The transport every Spring HTTP client of the application shares. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public MeshHttpTransport bowlineHttpTransport(MeshClient mesh) {
    return new MeshHttpTransport(mesh);
  }

  /** The request factory of routed {@code RestClient}s and {@code RestTemplate}s. */
  @Bean
  @ConditionalOnMissingBean
  public MeshClientHttpRequestFactory bowlineClientHttpRequestFactory(MeshHttpTransport transport) {
    return new MeshClientHttpRequestFactory(transport);
  }

  /** Boot's {@code RestClient.Builder} and {@code RestTemplateBuilder} use the mesh's request factory. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(RestClientCustomizer.class)
  static class RestClients {
    @Bean
    RestClientCustomizer bowlineRestClientCustomizer(MeshClientHttpRequestFactory factory) {
      return builder -> builder.requestFactory(factory);
    }

    @Bean
    RestTemplateCustomizer bowlineRestTemplateCustomizer(MeshClientHttpRequestFactory factory) {
      return template -> template.setRequestFactory(factory);
    }
  }

  /** Boot's {@code WebClient.Builder} uses the mesh's connector. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({WebClient.class, WebClientCustomizer.class})
  static class WebClients {
    @Bean
    @ConditionalOnMissingBean
    MeshClientHttpConnector bowlineClientHttpConnector(MeshHttpTransport transport) {
      return new MeshClientHttpConnector(transport);
    }

    @Bean
    WebClientCustomizer bowlineWebClientCustomizer(MeshClientHttpConnector connector) {
      return builder -> builder.clientConnector(connector);
    }
  }

  /** OpenFeign's clients (and any Feign builder given the bean) use the mesh's transport. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "feign.Client")
  static class Feign {
    @Bean
    @ConditionalOnMissingBean(type = "feign.Client")
    MeshFeignClient bowlineFeignClient(MeshHttpTransport transport) {
      return new MeshFeignClient(transport);
    }
  }
}
