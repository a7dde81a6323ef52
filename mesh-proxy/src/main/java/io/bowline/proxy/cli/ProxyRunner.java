package io.bowline.proxy.cli;

import io.bowline.api.MeshClient;
import io.bowline.proxy.BowlineProxy;
import io.bowline.proxy.gateway.GatewayNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * Starts {@code bowline-proxy} from its parsed command line ({@link ProxySettings}) and runs it until stopped: the
 * mesh client (from {@code --xds} or {@code --bootstrap}), then the proxy's listeners. Needs nothing of picocli.
 */
public final class ProxyRunner {
  private ProxyRunner() {}

  /**
   * Runs the proxy until {@code stop} counts down, then closes it (and the mesh client it owns).
   *
   * @param s the parsed command line
   * @param stop counted down to stop the proxy (SIGTERM, SIGINT, or {@link ProxyCli#stop()})
   * @param started told of the proxy once its listeners are bound
   * @return {@link ProxyCli#OK}
   * @throws Exception when the proxy cannot start (a port in use, a bootstrap that cannot be read...):
   *     {@link #describe} gives the line to print
   */
  public static int run(ProxySettings s, CountDownLatch stop, Consumer<BowlineProxy> started) throws Exception {
    MeshClient mesh = s.xds() != null || s.bootstrap() != null ? mesh(s) : null;
    BowlineProxy.Builder pb = BowlineProxy.builder().mesh(mesh).ownsMesh(true).bind(s.bind())
        .registryOnly(s.registryOnly());
    if (s.threads() != null) {
      pb.threads(s.threads());
    }
    if (s.outbound() != null) {
      pb.outbound(s.outbound());
    }
    int[] in = s.inbound();
    if (in != null) {
      pb.inbound(in[0], in[1]);
    }
    if (s.admin() != null) {
      pb.admin(s.admin());
    }
    Map<Integer, Integer> portMap = s.gatewayPorts();
    if (s.gateway()) {
      pb.gateway(port -> portMap.getOrDefault(port, port)).gatewayHttp2(s.gatewayHttp2());
    }
    Map<Integer, Integer> tcpPortMap = s.tcpPorts();
    pb.tcpPorts(port -> tcpPortMap.getOrDefault(port, port));
    BowlineProxy proxy;
    try {
      proxy = pb.start();
    } catch (RuntimeException e) {
      if (mesh != null) {
        mesh.close();
      }
      throw e;
    }
    try (proxy) {
      started.accept(proxy);
      String bind = s.bind();
      System.out.println("bowline-proxy " + version() + " (" + proxy.transport() + ")"
          + (proxy.outboundPort() >= 0 ? " outbound " + bind + ":" + proxy.outboundPort() : "")
          + (proxy.inboundPort() >= 0 ? " inbound " + bind + ":" + proxy.inboundPort() + " -> 127.0.0.1:" + in[1] : "")
          + (proxy.adminPort() >= 0 ? " admin " + bind + ":" + proxy.adminPort() : "")
          + (s.serviceAccount() != null ? " service account " + s.serviceAccount() : "")
          + (s.gateway() ? " gateway" : ""));
      System.out.flush();
      stop.await();
    }
    return ProxyCli.OK;
  }

  /** The mesh client of {@code --xds} (a sidecar's node, or a gateway's router~ node) or of {@code --bootstrap}. */
  private static MeshClient mesh(ProxySettings s) {
    MeshClient.Builder b = MeshClient.builder();
    // the proxy is a process of its own: its meters go straight to the Prometheus registry /stats/prometheus reads
    // (not through Micrometer's global composite, one layer less per increment), and its tracer is an installed
    // agent's OpenTelemetry, else the no-op API, resolved once here (no application sets a global one later)
    b.meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    b.openTelemetry(GlobalOpenTelemetry.isSet() ? GlobalOpenTelemetry.get() : OpenTelemetry.noop());
    String workload = s.workload();
    int dot = workload == null ? -1 : workload.indexOf('.');
    String providers = s.certificateProviders();
    if (s.gateway() && s.xds() != null) {
      b.bootstrapJson(withProviders(GatewayNode.bootstrapJson(s.xds(),
          workload == null ? "istio-ingressgateway" : dot < 0 ? workload : workload.substring(0, dot),
          workload == null || dot < 0 ? "istio-system" : workload.substring(dot + 1), s.labels(), "cluster.local"),
          providers));
    } else if (workload != null) {
      b.workload(dot < 0 ? workload : workload.substring(0, dot), dot < 0 ? "default" : workload.substring(dot + 1));
    }
    s.labels().forEach(b::label);
    if (s.gateway() && s.xds() != null) {
      // the bootstrap above names the server and the router~ node
    } else if (s.xds() != null) {
      if ((s.serviceAccount() != null && workload != null) || providers != null) {
        // Istio's node metadata, merged into the workload's node: the implicit 'default' certificate provider
        // asks the local CA for this identity; or the files of --certificate-file
        String node = s.serviceAccount() != null && workload != null
            ? ",\"node\":{\"metadata\":{\"SERVICE_ACCOUNT\":" + GatewayNode.json(s.serviceAccount()) + "}}" : "";
        b.bootstrapJson(withProviders("{\"xds_servers\":[{\"server_uri\":" + GatewayNode.json(s.xds())
            + ",\"channel_creds\":[{\"type\":\"insecure\"}]}]" + node + "}", providers));
      }
      b.xdsServer(s.xds());
    } else {
      b.bootstrap(s.bootstrap());
    }
    return b.build();
  }

  /** {@code bootstrap} (a JSON object) with the {@code certificate_providers} member added, if any. */
  private static String withProviders(String bootstrap, String providers) {
    if (providers == null) {
      return bootstrap;
    }
    int end = bootstrap.lastIndexOf('}');
    return bootstrap.substring(0, end) + "," + providers + bootstrap.substring(end);
  }

  /**
   * One line for a failure: what could not be done, and the operating system's reason.
   *
   * @param e the failure
   * @return the line, without the {@code bowline-proxy: } prefix
   */
  public static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof BindException || String.valueOf(root.getMessage()).contains("Address already in use")) {
      return "cannot listen: " + root.getMessage() + " (is another proxy running? pick other ports)";
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return root == e || root.getMessage() == null ? message : message + ": " + root.getMessage();
  }

  /**
   * The build's version, from {@code version.properties} (Maven resource filtering).
   *
   * @return e.g. {@code 0.1.0-SNAPSHOT}, or {@code unknown}
   */
  public static String version() {
    try (InputStream in = ProxyRunner.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
