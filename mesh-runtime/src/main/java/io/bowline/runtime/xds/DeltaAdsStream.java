package io.bowline.runtime.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * Incremental ADS ({@code DeltaAggregatedResources}). The first request of a type on a stream
 * subscribes to its names (none for wildcard LDS/CDS, the legacy wildcard) and lists the cached
 * resources' versions in {@code initial_resource_versions}; later requests carry only
 * {@code resource_names_subscribe} / {@code resource_names_unsubscribe} changes. ACK and NACK
 * carry the nonce (and {@code error_detail}) only.
 */
final class DeltaAdsStream extends AdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  private final Node node;

  DeltaAdsStream(Executor executor, BiConsumer<AdsStream<?, ?>, DeltaDiscoveryResponse> onResponse,
      BiConsumer<AdsStream<?, ?>, String> onClosed, Node node) {
    super(executor, onResponse, onClosed);
    this.node = node;
  }

  @Override
  void open(XdsTransport transport) {
    started(transport.start(ADS_SERVICE + "DeltaAggregatedResources", DeltaDiscoveryRequest.getDefaultInstance(),
        DeltaDiscoveryResponse.getDefaultInstance(), this));
  }

  @Override
  void subscribe(TypeState s) {
    DeltaDiscoveryRequest.Builder b = start(s);
    if (!s.sentOnStream) {
      s.sentOnStream = true;
      if (!s.wildcard) {
        b.addAllResourceNamesSubscribe(s.subscribed);
      } else if (!s.subscribed.isEmpty()) {
        b.addResourceNamesSubscribe(TypeState.WILDCARD).addAllResourceNamesSubscribe(s.subscribed);
      }
      s.values.keySet().forEach(name -> {
        String v = s.resourceVersions.get(name);
        if (v != null && (s.wildcard || s.subscribed.contains(name))) {
          b.putInitialResourceVersions(name, v);
        }
      });
    } else {
      Set<String> added = new TreeSet<>(s.subscribed);
      added.removeAll(s.sentSubscription);
      Set<String> dropped = new TreeSet<>(s.sentSubscription);
      dropped.removeAll(s.subscribed);
      if (added.isEmpty() && dropped.isEmpty()) {
        return;
      }
      if (s.wildcard && s.sentSubscription.isEmpty()) {
        b.addResourceNamesSubscribe(TypeState.WILDCARD); // names on top of a legacy wildcard: keep the wildcard
      }
      b.addAllResourceNamesSubscribe(added).addAllResourceNamesUnsubscribe(dropped);
    }
    s.sentSubscription = new TreeSet<>(s.subscribed);
    send(b.build());
  }

  @Override
  void ack(TypeState s) {
    send(start(s).setResponseNonce(s.nonce).build());
  }

  @Override
  void nack(TypeState s, com.google.rpc.Status error) {
    send(start(s).setResponseNonce(s.nonce).setErrorDetail(error).build());
  }

  @Override
  boolean isDelta() {
    return true;
  }

  private DeltaDiscoveryRequest.Builder start(TypeState s) {
    DeltaDiscoveryRequest.Builder b = DeltaDiscoveryRequest.newBuilder().setTypeUrl(s.type.typeUrl());
    if (takeNodeTurn()) {
      b.setNode(node);
    }
    return b;
  }
}
