package io.bowline.spring;

import io.bowline.api.MeshClient;
import io.bowline.spring.grpc.MeshGrpcChannelFactory;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.core.env.Environment;
import org.springframework.grpc.client.GlobalClientInterceptor;
import org.springframework.grpc.client.GrpcChannelFactory;

/**
 * Puts spring-grpc's clients on the mesh: the application's {@link GrpcChannelFactory} is a
 * {@link MeshGrpcChannelFactory}, taking the place of the Netty factory Boot's gRPC client
 * auto-configuration would make, so every stub it injects is routed. An application's own
 * {@code GrpcChannelFactory} bean, or {@code bowline.clients.grpc=false}, leaves spring-grpc as it is.
 */
@AutoConfiguration(after = BowlineAutoConfiguration.class,
    beforeName = "org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration")
@ConditionalOnClass({MeshClient.class, GrpcChannelFactory.class, ManagedChannel.class})
@ConditionalOnBooleanProperty(name = "bowline.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "bowline.clients.grpc", matchIfMissing = true)
@ConditionalOnBean(MeshClient.class)
public class BowlineGrpcAutoConfiguration {

  /** The channel factory of spring-grpc's clients; open channels shut down with the context. */
  @Bean
  @ConditionalOnMissingBean(GrpcChannelFactory.class)
  public MeshGrpcChannelFactory bowlineGrpcChannelFactory(MeshClient mesh, Environment environment, ApplicationContext context) {
    return new MeshGrpcChannelFactory(mesh, environment, () -> globalInterceptors(context));
  }

  /** The beans marked {@link GlobalClientInterceptor}, in their order, as spring-grpc finds them. */
  private static List<ClientInterceptor> globalInterceptors(ApplicationContext context) {
    List<ClientInterceptor> interceptors = new ArrayList<>();
    context.getBeansWithAnnotation(GlobalClientInterceptor.class).values().forEach(bean -> {
      if (bean instanceof ClientInterceptor interceptor) {
        interceptors.add(interceptor);
      }
    });
    AnnotationAwareOrderComparator.sort(interceptors);
    return interceptors;
  }
}
