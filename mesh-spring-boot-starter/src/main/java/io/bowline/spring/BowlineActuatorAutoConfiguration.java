package io.bowline.spring;

import io.bowline.api.MeshClient;
import io.bowline.spring.actuate.MeshEndpoint;
import io.bowline.spring.actuate.MeshHealthIndicator;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator: the {@code bowline} health indicator ({@link MeshHealthIndicator}) and the
 * {@code /actuator/bowline} endpoint ({@link MeshEndpoint}), each when Actuator's piece is present
 * and the application's mesh client exists.
 */
@AutoConfiguration(after = BowlineAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "bowline.enabled", matchIfMissing = true)
@ConditionalOnBean(MeshClient.class)
public class BowlineActuatorAutoConfiguration {

  /** The health indicator; {@code management.health.bowline.enabled=false} turns it off. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
  @ConditionalOnEnabledHealthIndicator("bowline")
  static class Health {
    @Bean(name = "bowlineHealthIndicator")
    @ConditionalOnMissingBean(name = "bowlineHealthIndicator")
    MeshHealthIndicator bowlineHealthIndicator(MeshClient mesh) {
      return new MeshHealthIndicator(mesh);
    }
  }

  /** The endpoint, when exposed ({@code management.endpoints.web.exposure.include=bowline}). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
  @ConditionalOnAvailableEndpoint(MeshEndpoint.class)
  static class Endpoint {
    @Bean
    @ConditionalOnMissingBean
    MeshEndpoint bowlineEndpoint(MeshClient mesh) {
      return new MeshEndpoint(mesh);
    }
  }
}
