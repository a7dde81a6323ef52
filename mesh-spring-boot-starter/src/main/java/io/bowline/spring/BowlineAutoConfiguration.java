package io.bowline.spring;

import io.bowline.api.MeshClient;
import io.bowline.spring.inbound.InboundGuard;
import io.bowline.spring.inbound.InboundPropagation;
import io.bowline.spring.inbound.InboundServletFilter;
import io.bowline.spring.inbound.InboundWebFilter;
import io.bowline.spring.ssl.MeshSslBundle;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The application's {@link MeshClient}: built from the {@code bowline.*} properties
 * ({@link BowlineProperties}) and every {@link MeshClientBuilderCustomizer}, started with the
 * context and closed with it; the readiness state waits for its first configuration
 * ({@link MeshReadiness}). {@code bowline.enabled=false} turns off this and every other Bowline
 * auto-configuration. In a web application, the inbound filter of MVC ({@link InboundServletFilter})
 * or WebFlux ({@link InboundWebFilter}) checks each request against the AuthorizationPolicies of its port with
 * the peer identity of its client certificate ({@link InboundGuard}), records Istio's inbound metrics and passes its
 * {@code x-request-id} and trace context on to the routed calls made while serving it.
 */
@AutoConfiguration(afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeshClient.class)
@ConditionalOnBooleanProperty(name = "bowline.enabled", matchIfMissing = true)
@EnableConfigurationProperties(BowlineProperties.class)
public class BowlineAutoConfiguration {

  /** The mesh client; {@code close()} runs when the context closes. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public MeshClient bowlineMeshClient(BowlineProperties properties, Environment environment,
      ObjectProvider<MeshClientBuilderCustomizer> customizers) {
    MeshClient.Builder builder = MeshClientSettings.builder(properties, environment);
    customizers.orderedStream().forEach(c -> c.customize(builder));
    return builder.build();
  }

  /** Keeps the application refusing traffic until the mesh's first configuration has arrived. */
  @Bean
  @ConditionalOnBean(MeshClient.class)
  @ConditionalOnBooleanProperty(name = "bowline.readiness.await-configuration", matchIfMissing = true)
  public MeshReadiness bowlineMeshReadiness(MeshClient mesh, ApplicationEventPublisher publisher) {
    return new MeshReadiness(mesh, publisher);
  }

  /**
   * The inbound path of a web application: {@code x-request-id} and trace context extracted from
   * each request (MVC's servlet filter, WebFlux's web filter) and passed on to the mesh's outbound
   * calls made while serving it.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication
  static class Inbound {
    @Bean
    MeshClientBuilderCustomizer bowlineInboundPropagation() {
      return builder -> builder.filter(new InboundPropagation());
    }

    /**
     * The inbound RBAC check and Istio's inbound metrics; {@code destination_principal} is the SVID the server
     * presents when it serves the {@code bowline} SSL bundle.
     */
    @Bean
    InboundGuard bowlineInboundGuard(MeshClient mesh, BowlineProperties properties,
        ObjectProvider<MeshSslBundle> ssl) {
      return new InboundGuard(mesh, properties.getTelemetry().isMetrics(), () -> {
        MeshSslBundle bundle = ssl.getIfAvailable();
        return bundle == null ? null : bundle.certificate();
      });
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = {"jakarta.servlet.Filter", "org.springframework.web.filter.OncePerRequestFilter"})
    static class Servlet {
      @Bean
      InboundServletFilter bowlineInboundFilter(InboundGuard bowlineInboundGuard) {
        return new InboundServletFilter(bowlineInboundGuard);
      }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
    static class Reactive {
      @Bean
      InboundWebFilter bowlineInboundWebFilter(InboundGuard bowlineInboundGuard) {
        return new InboundWebFilter(bowlineInboundGuard);
      }
    }
  }

  /** The customizer of the application's OkHttp clients. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "okhttp3.OkHttpClient")
  @ConditionalOnBooleanProperty(name = "bowline.clients.okhttp", matchIfMissing = true)
  static class OkHttp {
    @Bean
    BowlineOkHttpCustomizer bowlineOkHttpCustomizer(MeshClient mesh) {
      return new BowlineOkHttpCustomizer(mesh);
    }
  }

  /** The application's {@link MeterRegistry} for the mesh client's meters. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  @ConditionalOnBooleanProperty(name = "bowline.telemetry.metrics", matchIfMissing = true)
  static class Metrics {
    @Bean
    MeshClientBuilderCustomizer bowlineMeterRegistryCustomizer(ObjectProvider<MeterRegistry> registry) {
      return builder -> registry.ifAvailable(builder::meterRegistry);
    }
  }
}
