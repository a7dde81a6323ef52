package io.bowline.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bowline.controlplane.LocalControlPlane;
import io.bowline.tls.CsrCertificateProvider;
import io.bowline.tls.LocalCa;
import io.bowline.tls.SpiffeId;
import io.bowline.tls.istio.IstioCaClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client of the same user finds the local CA with no flag or builder call: the files under the home. */
class LocalCaDiscoveryTest {

  @TempDir
  Path config;

  @Test
  void clientFindsTheCaAndItsTokenUnderTheHomeWithNoSetUp() throws Exception {
    assumeTrue(System.getProperty(LocalCa.HOME_PROPERTY) != null,
        "bowline.home is not set: not writing the local CA into the real home");
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(config).start()) {
      LocalCa.Endpoint endpoint = LocalCa.forCurrentUser().endpoint().orElseThrow();
      assertThat(endpoint.target()).endsWith(":" + controlPlane.certificateAuthority().port());
      ManagedChannel channel = NettyChannelBuilder.forTarget(endpoint.target()).usePlaintext().build();
      SpiffeId id = SpiffeId.istio("cluster.local", "default", "default");
      try (CsrCertificateProvider provider = CsrCertificateProvider.start(id,
          new IstioCaClient(channel, endpoint::token, null, Duration.ofSeconds(10)), Duration.ofHours(24), 0.01)) {
        await().atMost(Duration.ofSeconds(10)).until(() -> provider.current() != null);
        assertThat(provider.current().trustBundle()).containsExactly(controlPlane.certificateAuthority().root());
        assertThat(Duration.between(provider.current().notBefore(), provider.current().notAfter()))
            .isGreaterThan(Duration.ofHours(24)).isLessThanOrEqualTo(Duration.ofHours(24).plusMinutes(1));
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
