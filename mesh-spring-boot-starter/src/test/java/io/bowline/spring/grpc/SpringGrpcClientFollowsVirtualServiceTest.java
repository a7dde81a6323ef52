package io.bowline.spring.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.MeshClient;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.bowline.spring.http.Backends;
import io.bowline.spring.http.PrometheusScrape;
import io.bowline.spring.test.BowlineControlPlaneExtension;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.GrpcChannelFactory;
import org.springframework.grpc.client.ImportGrpcClients;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A spring-grpc client (a stub injected through {@code @ImportGrpcClients}, its channel from Boot's
 * {@code GrpcChannelFactory}, which the starter makes a mesh one) follows a VirtualService changed
 * live on the local control plane: all to v1, a weighted split (within 4.5 sigma), a header route
 * and a fault abort; each call is counted in {@code istio_requests_total} on {@code /actuator/prometheus}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "spring.application.name=productpage", "management.endpoints.web.exposure.include=prometheus",
    "spring.grpc.client.channels.ratings.target=xds:///ratings.default.svc.cluster.local:9090"})
@DirtiesContext
class SpringGrpcClientFollowsVirtualServiceTest {
  private static final Duration CONVERGENCE = Duration.ofSeconds(20);
  private static final Metadata.Key<String> BACKEND = Metadata.Key.of("x-backend", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> FLAGS = Metadata.Key.of("x-bowline-response-flags", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> END_USER = Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER);

  @RegisterExtension
  static BowlineControlPlaneExtension controlPlane = BowlineControlPlaneExtension.empty();

  static NamedGrpcServer v1;
  static NamedGrpcServer v2;

  @DynamicPropertySource
  static void bowline(DynamicPropertyRegistry registry) {
    controlPlane.register(registry);
  }

  @BeforeAll
  static void startBackends() throws Exception {
    v1 = new NamedGrpcServer("v1");
    v2 = new NamedGrpcServer("v2");
    controlPlane.apply("00-ratings.yaml", Backends.service("ratings", 9090, "GRPC", v1.port(), v2.port()));
    controlPlane.apply("ratings-vs.yaml", Backends.virtualService("ratings", Backends.allToV1("ratings")));
  }

  @AfterAll
  static void stopBackends() throws Exception {
    v1.close();
    v2.close();
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @ImportGrpcClients(target = "ratings", types = HealthGrpc.HealthBlockingStub.class)
  static class App {}

  /** What the client saw: the gRPC status code, the backend that answered, the response flags. */
  record Seen(Status.Code status, String backend, String flags) {}

  @LocalServerPort int port;
  @Autowired MeshClient mesh;
  @Autowired GrpcChannelFactory channels;
  @Autowired HealthGrpc.HealthBlockingStub ratings;

  private Seen call(String user) {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    Metadata extra = new Metadata();
    extra.put(END_USER, user);
    try {
      ratings.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(extra),
          MetadataUtils.newCaptureMetadataInterceptor(headers, trailers)).check(HealthCheckRequest.getDefaultInstance());
      return new Seen(Status.Code.OK, headers.get().get(BACKEND), "");
    } catch (StatusRuntimeException e) {
      Metadata t = e.getTrailers();
      String flags = t == null ? null : t.get(FLAGS);
      return new Seen(e.getStatus().getCode(), null, flags == null ? "" : flags);
    }
  }

  private double istioRequests(String flags) {
    return PrometheusScrape.istioRequests(port, Map.of("source_workload", "productpage", "destination_service_name", "ratings",
        "request_protocol", "grpc", "response_flags", flags));
  }

  private Seen counted(String user, String flags) {
    double before = istioRequests(flags);
    Seen seen = call(user);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(istioRequests(flags)).isEqualTo(before + 1));
    return seen;
  }

  private void push(String http) throws Exception {
    controlPlane.apply("ratings-vs.yaml", Backends.virtualService("ratings", http));
    controlPlane.awaitConfiguration(mesh, CONVERGENCE);
  }

  @Test
  void theInjectedStubFollowsEachVirtualServiceChange() throws Exception {
    assertThat(channels).isInstanceOf(MeshGrpcChannelFactory.class);
    assertThat(channels.supports("ratings")).as("a channel name whose target is xds:///").isTrue();
    assertThat(channels.supports("reviews.default.svc.cluster.local:9080")).isTrue();
    assertThat(channels.supports("in-process:test")).isFalse();
    assertThat(channels.supports("unix:///tmp/grpc.sock")).isFalse();
    controlPlane.awaitConfiguration(mesh, CONVERGENCE);
    assertThat(counted("anyone", "-")).isEqualTo(new Seen(Status.Code.OK, "v1", ""));

    push(Backends.split("ratings", 30, 70));
    Backends.assertV2Share(400, 0.7, () -> {
      Seen s = call("anyone");
      assertThat(s.status()).isEqualTo(Status.Code.OK);
      return "v2".equals(s.backend());
    });

    push(Backends.jasonToV2("ratings"));
    assertThat(call("jason").backend()).isEqualTo("v2");
    assertThat(call("anyone").backend()).isEqualTo("v1");

    push(Backends.abortAll("ratings"));
    Seen aborted = counted("anyone", "FI");
    assertThat(aborted.status()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(aborted.flags()).isEqualTo("FI");
  }
}
