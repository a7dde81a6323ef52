package io.bowline.spring;

import io.bowline.api.MeshClient;
import io.bowline.spring.ssl.MeshSslBundle;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.web.server.AbstractConfigurableWebServerFactory;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The server's mTLS from the mesh when the application asks for it with {@code server.ssl.bundle=bowline}: the SSL
 * bundle {@value MeshSslBundle#NAME} ({@link MeshSslBundle}: the mesh client's workload certificate and trust
 * bundle, reloaded on rotation) and, unless {@code server.ssl.client-auth} says otherwise, client certificates
 * required (Istio's STRICT PeerAuthentication: a mesh peer always presents its SVID).
 */
@AutoConfiguration(after = BowlineAutoConfiguration.class,
    beforeName = "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration")
@ConditionalOnClass(name = "org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar")
@ConditionalOnBooleanProperty(name = "bowline.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "server.ssl.bundle", havingValue = MeshSslBundle.NAME)
public class BowlineSslAutoConfiguration {

  /** The bundle; it stops following rotation when the context closes. */
  @Bean(destroyMethod = "close")
  @ConditionalOnBean(MeshClient.class)
  public MeshSslBundle bowlineSslBundle(MeshClient mesh, BowlineProperties properties) {
    return new MeshSslBundle(mesh, properties.getXds().getInitialFetchTimeout());
  }

  /** Registers {@value MeshSslBundle#NAME} with Boot's bundles. */
  @Bean
  @ConditionalOnBean(MeshSslBundle.class)
  SslBundleRegistrar bowlineSslBundleRegistrar(MeshSslBundle bundle) {
    return bundle::register;
  }

  /** Client certificates required unless {@code server.ssl.client-auth} is set. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.web.server.AbstractConfigurableWebServerFactory")
  static class ClientAuth {
    @Bean
    WebServerFactoryCustomizer<AbstractConfigurableWebServerFactory> bowlineClientAuth() {
      return new RequireClientCertificates();
    }
  }

  /** Sets {@code server.ssl.client-auth=need} on a server of the {@code bowline} bundle that leaves it unset. */
  static final class RequireClientCertificates implements WebServerFactoryCustomizer<AbstractConfigurableWebServerFactory>,
      Ordered {
    @Override
    public void customize(AbstractConfigurableWebServerFactory factory) {
      Ssl ssl = factory.getSsl();
      if (ssl != null && MeshSslBundle.NAME.equals(ssl.getBundle()) && ssl.getClientAuth() == null) {
        ssl.setClientAuth(Ssl.ClientAuth.NEED);
      }
    }

    @Override
    public int getOrder() {
      return Ordered.LOWEST_PRECEDENCE;
    }
  }
}
