package io.bowline.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.bowline.api.MeshClient;
import io.bowline.spring.actuate.MeshHealthIndicator;
import io.bowline.spring.feign.MeshFeignClient;
import io.bowline.spring.grpc.MeshGrpcChannelFactory;
import io.bowline.spring.http.MeshClientHttpConnector;
import io.bowline.spring.http.MeshClientHttpRequestFactory;
import io.bowline.spring.http.MeshHttpTransport;
import io.bowline.spring.inbound.InboundServletFilter;
import io.bowline.spring.inbound.InboundWebFilter;
import io.bowline.spring.test.BowlineControlPlaneExtension;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/** The starter's conditions, property binding, metadata and lifecycle. */
class BowlineAutoConfigurationTest {

  @RegisterExtension
  static BowlineControlPlaneExtension controlPlane = BowlineControlPlaneExtension.empty();

  private static final AutoConfigurations BOWLINE = AutoConfigurations.of(BowlineAutoConfiguration.class,
      BowlineHttpAutoConfiguration.class, BowlineGrpcAutoConfiguration.class, BowlineActuatorAutoConfiguration.class);
  private static final AutoConfigurations CLIENT_BUILDERS = AutoConfigurations.of(RestClientAutoConfiguration.class,
      WebClientAutoConfiguration.class);

  private String[] mesh() {
    return new String[] {"bowline.xds.servers=" + controlPlane.xdsServer(), "spring.application.name=checkout"};
  }

  @Test
  void anMvcAppGetsTheMeshClientAndRoutedSpringClients() {
    new WebApplicationContextRunner().withConfiguration(BOWLINE).withConfiguration(CLIENT_BUILDERS)
        .withPropertyValues(mesh())
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(MeshClient.class).hasSingleBean(MeshHttpTransport.class)
              .hasSingleBean(MeshClientHttpRequestFactory.class).hasSingleBean(MeshClientHttpConnector.class)
              .hasSingleBean(MeshHealthIndicator.class).hasSingleBean(BowlineOkHttpCustomizer.class)
              .hasSingleBean(MeshFeignClient.class).hasSingleBean(MeshGrpcChannelFactory.class)
              .hasSingleBean(InboundServletFilter.class).doesNotHaveBean(InboundWebFilter.class);
          assertThat(context.getBean(MeshClient.class).workload().name()).isEqualTo("checkout");
          assertThat(context.getBean(MeshClient.class).workload().namespace()).isEqualTo("default");
        });
  }

  @Test
  void aWebFluxAppGetsTheNonBlockingConnector() {
    new ReactiveWebApplicationContextRunner().withConfiguration(BOWLINE).withConfiguration(CLIENT_BUILDERS)
        .withPropertyValues(mesh())
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(MeshClient.class)
            .hasSingleBean(MeshClientHttpConnector.class).hasSingleBean(InboundWebFilter.class)
            .doesNotHaveBean(InboundServletFilter.class));
  }

  @Test
  void anAppWithoutHttpClientsGetsOnlyTheMeshClient() {
    new ApplicationContextRunner().withConfiguration(BOWLINE)
        .withClassLoader(new FilteredClassLoader(RestClient.class, WebClient.class, reactor.netty.http.client.HttpClient.class,
            okhttp3.OkHttpClient.class, feign.Client.class, org.springframework.grpc.client.GrpcChannelFactory.class))
        .withPropertyValues(mesh())
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(MeshClient.class)
            .doesNotHaveBean(MeshHttpTransport.class).doesNotHaveBean(BowlineOkHttpCustomizer.class)
            .doesNotHaveBean(MeshGrpcChannelFactory.class).doesNotHaveBean(InboundServletFilter.class));
  }

  @Test
  void enabledFalseLeavesNoBowlineBean() {
    new WebApplicationContextRunner().withConfiguration(BOWLINE).withConfiguration(CLIENT_BUILDERS)
        .withPropertyValues("bowline.enabled=false")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBeanDefinitionNames()).noneMatch(name -> name.toLowerCase().contains("bowline"));
          assertThat(context.getBeansOfType(MeshClient.class)).isEmpty();
        });
  }

  @Test
  void aTypoInABowlinePropertyFailsTheStartupNamingIt() {
    new ApplicationContextRunner().withConfiguration(BOWLINE)
        .withPropertyValues("bowline.xds.servers=" + controlPlane.xdsServer(), "bowline.xds.sever=127.0.0.1:1")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(UnboundConfigurationPropertiesException.class)
              .hasRootCauseMessage("The elements [bowline.xds.sever] were left unbound.");
        });
  }

  @Test
  void theMetadataDescribesEveryProperty() throws Exception {
    String json;
    try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<Map<String, Object>> properties = JsonPath.read(json, "$.properties[*]");
    assertThat(properties).extracting(p -> p.get("name")).contains("bowline.enabled", "bowline.workload-name",
        "bowline.namespace", "bowline.labels", "bowline.xds.servers", "bowline.xds.bootstrap", "bowline.xds.delta",
        "bowline.static-config", "bowline.locality.region", "bowline.clients.http", "bowline.clients.grpc", "bowline.telemetry.metrics",
        "bowline.readiness.await-configuration");
    assertThat(properties).allSatisfy(p -> assertThat((String) p.get("description")).as("%s", p.get("name")).isNotBlank());
  }

  @Test
  void closingTheContextLeavesNoBowlineThread() {
    List<String> before = bowlineThreads(); // the test's control plane serves on its own threads
    new WebApplicationContextRunner().withConfiguration(BOWLINE).withConfiguration(CLIENT_BUILDERS)
        .withPropertyValues("bowline.xds.servers=127.0.0.1:1", "bowline.xds.initial-fetch-timeout=100ms")
        .run(context -> {
          context.getBean(MeshHttpTransport.class); // its timer thread
          assertThat(bowlineThreads()).as("threads the context started").isNotEqualTo(before);
        });
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(before).containsAll(bowlineThreads()));
  }

  private static List<String> bowlineThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(name -> name.startsWith("bowline")).toList();
  }
}
