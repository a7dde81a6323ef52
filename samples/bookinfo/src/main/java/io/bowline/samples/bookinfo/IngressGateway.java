package io.bowline.samples.bookinfo;

import io.bowline.api.MeshClient;
import io.bowline.controlplane.translate.ClientView;
import io.bowline.proxy.BowlineProxy;
import io.bowline.proxy.gateway.GatewayNode;
import java.time.Duration;
import java.util.Map;

/**
 * Istio's ingress gateway for Bookinfo, in this process: a bowline-proxy in the gateway role for the workload
 * {@code istio-ingressgateway.istio-system} labelled {@code istio=ingressgateway} (what the {@code selector} of
 * Istio's {@code bookinfo-gateway.yaml} selects), its listener port {@value #LISTENER_PORT} bound on a free
 * loopback port.
 */
final class IngressGateway implements MeshMember, AutoCloseable {

  static final String NAME = "istio-ingressgateway";
  static final String NAMESPACE = "istio-system";
  static final Map<String, String> LABELS = Map.of("istio", "ingressgateway");

  /** The Gateway server port of Istio's {@code bookinfo-gateway.yaml}. */
  static final int LISTENER_PORT = 8080;

  private final MeshClient mesh;
  private final BowlineProxy proxy;

  private IngressGateway(MeshClient mesh, BowlineProxy proxy) {
    this.mesh = mesh;
    this.proxy = proxy;
  }

  /**
   * Starts the gateway, subscribed to {@code xdsServer} ({@code host:port}) as a {@code router~} node; it binds its
   * listeners as the Gateways selecting it arrive.
   */
  static IngressGateway start(String xdsServer) {
    MeshClient mesh = MeshClient.builder()
        .bootstrapJson(GatewayNode.bootstrapJson(xdsServer, NAME, NAMESPACE, LABELS, "cluster.local"))
        .build();
    try {
      BowlineProxy proxy = BowlineProxy.builder().mesh(mesh).ownsMesh(true).bind("127.0.0.1")
          .gateway(listenerPort -> 0).threads(1).start();
      return new IngressGateway(mesh, proxy);
    } catch (RuntimeException e) {
      mesh.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ClientView view() {
    return new ClientView(NAMESPACE, LABELS, "", true, true);
  }

  @Override
  public MeshClient mesh() {
    return mesh;
  }

  /**
   * The loopback port serving listener port {@value #LISTENER_PORT}, once bound.
   *
   * @throws StepFailedException if it is not bound within {@code timeout}
   * @throws InterruptedException if interrupted while waiting
   */
  int awaitPort(String step, Duration timeout) throws StepFailedException, InterruptedException {
    int port = proxy.awaitGatewayPort(LISTENER_PORT, timeout);
    if (port < 0) {
      throw new StepFailedException("step " + step + ": the ingress gateway did not bind its listener port "
          + LISTENER_PORT + " within " + timeout.toSeconds() + " s");
    }
    return port;
  }

  @Override
  public void close() {
    proxy.close();
  }
}
