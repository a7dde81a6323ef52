package io.bowline.controlplane.server;

import static io.bowline.controlplane.server.AdsStream.EDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental (delta) ADS: resources come with their own versions. EDS is used because java-control-plane
 * answers a delta LDS/CDS subscription as a wildcard one (all listeners/clusters of the view).
 */
class DeltaAdsTest {

  @TempDir
  Path dir;

  @Test
  void deltaSubscriptionsGetTheNamedResourcesEachWithItsOwnVersion() throws Exception {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("00-services.yaml"));
    String reviews = "outbound|9080||reviews.default.svc.cluster.local";
    String ratings = "outbound|9080||ratings.default.svc.cluster.local";
    BlockingQueue<DeltaDiscoveryResponse> responses = new LinkedBlockingQueue<>();
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", controlPlane.port()).usePlaintext().build();
      try {
        StreamObserver<DeltaDiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
            .deltaAggregatedResources(new StreamObserver<>() {
              @Override
              public void onNext(DeltaDiscoveryResponse response) {
                responses.add(response);
              }

              @Override
              public void onError(Throwable t) {
                // the test fails on the missing response
              }

              @Override
              public void onCompleted() {
                // nothing more will come
              }
            });
        requests.onNext(DeltaDiscoveryRequest.newBuilder()
            .setNode(Node.newBuilder().setId("delta-client"))
            .setTypeUrl(EDS)
            .addResourceNamesSubscribe(reviews)
            .addResourceNamesSubscribe(ratings)
            .build());

        DeltaDiscoveryResponse response = responses.poll(10, TimeUnit.SECONDS);

        assertThat(response).isNotNull();
        assertThat(response.getResourcesList()).extracting(Resource::getName)
            .containsExactlyInAnyOrder(reviews, ratings);
        assertThat(response.getResourcesList()).extracting(Resource::getVersion).doesNotContain("")
            .doesNotHaveDuplicates();
        requests.onCompleted();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
