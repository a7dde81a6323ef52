package io.bowline.runtime.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * State-of-the-world ADS ({@code StreamAggregatedResources}). Every request of a type carries the
 * last accepted {@code version_info}, the last received nonce and the full list of names (none for
 * wildcard LDS/CDS); a NACK adds {@code error_detail}.
 */
final class SotwAdsStream extends AdsStream<DiscoveryRequest, DiscoveryResponse> {
  private final Node node;

  SotwAdsStream(Executor executor, BiConsumer<AdsStream<?, ?>, DiscoveryResponse> onResponse,
      BiConsumer<AdsStream<?, ?>, String> onClosed, Node node) {
    super(executor, onResponse, onClosed);
    this.node = node;
  }

  @Override
  void open(XdsTransport transport) {
    started(transport.start(ADS_SERVICE + "StreamAggregatedResources", DiscoveryRequest.getDefaultInstance(),
        DiscoveryResponse.getDefaultInstance(), this));
  }

  @Override
  void subscribe(TypeState s) {
    request(s, null);
  }

  @Override
  void ack(TypeState s) {
    request(s, null);
  }

  @Override
  void nack(TypeState s, com.google.rpc.Status error) {
    request(s, error);
  }

  @Override
  boolean isDelta() {
    return false;
  }

  private void request(TypeState s, com.google.rpc.Status error) {
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder()
        .setTypeUrl(s.type.typeUrl())
        .setVersionInfo(s.version)
        .setResponseNonce(s.nonce);
    if (!s.wildcard) {
      b.addAllResourceNames(s.subscribed);
    } else if (!s.subscribed.isEmpty()) {
      b.addResourceNames(TypeState.WILDCARD).addAllResourceNames(s.subscribed);
    }
    if (takeNodeTurn()) {
      b.setNode(node);
    }
    if (error != null) {
      b.setErrorDetail(error);
    }
    send(b.build());
  }
}
