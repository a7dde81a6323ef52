package io.bowline.controlplane.server;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw ADS (state of the world) client stream over plaintext gRPC, for tests: what a proxyless client sends. */
final class AdsStream implements AutoCloseable {

  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final String SDS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

  private static final long TIMEOUT_SECONDS = 10;

  private final ManagedChannel channel;
  private final StreamObserver<DiscoveryRequest> requests;
  private final Map<String, BlockingQueue<DiscoveryResponse>> responses = new ConcurrentHashMap<>();
  private final Node node;
  private final boolean nodeOnFirstRequestOnly;
  private boolean sentNode;

  AdsStream(int port) {
    this(port, Node.newBuilder()
        .setId("sidecar~127.0.0.1~productpage-v1.default~default.svc.cluster.local")
        .setUserAgentName("bowline-test")
        .build());
  }

  /** A stream whose node metadata says {@code NAMESPACE} and {@code LABELS}, as a proxyless bootstrap does. */
  AdsStream(int port, String namespace, Map<String, String> labels) {
    this(port, namespace, labels, false);
  }

  /**
   * As {@link #AdsStream(int, String, Map)}; with {@code nodeOnFirstRequestOnly}, only the stream's first
   * request carries the node, as proxyless gRPC and Bowline's runtime send it.
   */
  AdsStream(int port, String namespace, Map<String, String> labels, boolean nodeOnFirstRequestOnly) {
    this(port, nodeOnFirstRequestOnly,
        node("sidecar~127.0.0.1~client." + namespace + "~" + namespace + ".svc.cluster.local", namespace, labels));
  }

  /** A gateway's stream: node id {@code router~...}, as istiod tells a gateway from a sidecar, with its labels. */
  static AdsStream router(int port, String namespace, Map<String, String> labels) {
    return new AdsStream(port, node(
        "router~127.0.0.1~istio-ingressgateway-1." + namespace + "~" + namespace + ".svc.cluster.local", namespace,
        labels));
  }

  /** A node with this id and the proxyless bootstrap metadata {@code NAMESPACE} and {@code LABELS}. */
  private static Node node(String id, String namespace, Map<String, String> labels) {
    return Node.newBuilder()
        .setId(id)
        .setUserAgentName("bowline-test")
        .setMetadata(Struct.newBuilder()
            .putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build())
            .putFields("LABELS", Value.newBuilder().setStructValue(labelStruct(labels)).build()))
        .build();
  }

  private AdsStream(int port, Node node) {
    this(port, false, node);
  }

  private static Struct labelStruct(Map<String, String> labels) {
    Struct.Builder struct = Struct.newBuilder();
    labels.forEach((key, value) -> struct.putFields(key, Value.newBuilder().setStringValue(value).build()));
    return struct.build();
  }

  private AdsStream(int port, boolean nodeOnFirstRequestOnly, Node node) {
    this.node = node;
    this.nodeOnFirstRequestOnly = nodeOnFirstRequestOnly;
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(
        new StreamObserver<>() {
          @Override
          public void onNext(DiscoveryResponse response) {
            queue(response.getTypeUrl()).add(response);
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
  }

  /** Sends a request (a subscription, or an ACK when {@code version}/{@code nonce} are those of a response). */
  synchronized void request(String typeUrl, List<String> names, String version, String nonce) {
    DiscoveryRequest.Builder request = DiscoveryRequest.newBuilder()
        .setTypeUrl(typeUrl)
        .addAllResourceNames(names)
        .setVersionInfo(version)
        .setResponseNonce(nonce);
    if (!nodeOnFirstRequestOnly || !sentNode) {
      request.setNode(node);
      sentNode = true;
    }
    requests.onNext(request.build());
  }

  /** Subscribes to {@code names} ({@code List.of()} for wildcard) and returns the first response. */
  DiscoveryResponse subscribe(String typeUrl, List<String> names) throws InterruptedException {
    request(typeUrl, names, "", "");
    return next(typeUrl);
  }

  /** ACKs {@code response}, keeping the subscription {@code names}. */
  void ack(DiscoveryResponse response, List<String> names) {
    request(response.getTypeUrl(), names, response.getVersionInfo(), response.getNonce());
  }

  /** The next response of {@code typeUrl}; fails after 10 s. */
  DiscoveryResponse next(String typeUrl) throws InterruptedException {
    DiscoveryResponse response = queue(typeUrl).poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (response == null) {
      throw new AssertionError("no " + typeUrl + " response within " + TIMEOUT_SECONDS + " s");
    }
    return response;
  }

  /** The resources of {@code response}, unpacked. */
  static <T extends Message> List<T> unpack(DiscoveryResponse response, Class<T> type)
      throws InvalidProtocolBufferException {
    List<T> resources = new ArrayList<>();
    for (Any any : response.getResourcesList()) {
      resources.add(any.unpack(type));
    }
    return resources;
  }

  private BlockingQueue<DiscoveryResponse> queue(String typeUrl) {
    return responses.computeIfAbsent(typeUrl, t -> new LinkedBlockingQueue<>());
  }

  @Override
  public void close() {
    requests.onCompleted();
    try {
      channel.shutdownNow().awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
