package io.bowline.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code bowline.*} properties: how the application's {@link io.bowline.api.MeshClient} is built
 * and which of its clients the starter puts on the mesh. Unknown {@code bowline.*} keys fail the
 * binding, so a typo is reported at startup rather than ignored.
 */
@ConfigurationProperties(prefix = "bowline", ignoreUnknownFields = false)
public class BowlineProperties {

  /** Whether the starter configures anything at all; false leaves no Bowline bean in the context. */
  private boolean enabled = true;

  /** The workload's name sent to the control plane (node metadata NAME); defaults to spring.application.name. */
  private String workloadName;

  /** The workload's namespace (node metadata NAMESPACE). */
  private String namespace = "default";

  /** The workload's labels (node metadata LABELS), e.g. app and version, which Istio's workloadSelectors match. */
  private Map<String, String> labels = new LinkedHashMap<>();

  /** DNS suffix of service names in the mesh, Istio's cluster domain. */
  private String clusterDomain = "cluster.local";

  /** A static Envoy configuration file (static_resources) used instead of a control plane. */
  private Path staticConfig;

  /** The control-plane connection. */
  private final Xds xds = new Xds();

  /** The workload's locality (Envoy Locality) sent in the node, which locality-weighted balancing prefers. */
  private final Locality locality = new Locality();

  /** Which application clients are routed by the mesh. */
  private final Clients clients = new Clients();

  /** Telemetry switches. */
  private final Telemetry telemetry = new Telemetry();

  /** How the application's readiness follows the mesh. */
  private final Readiness readiness = new Readiness();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getWorkloadName() {
    return workloadName;
  }

  public void setWorkloadName(String workloadName) {
    this.workloadName = workloadName;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
  }

  public String getClusterDomain() {
    return clusterDomain;
  }

  public void setClusterDomain(String clusterDomain) {
    this.clusterDomain = clusterDomain;
  }

  public Path getStaticConfig() {
    return staticConfig;
  }

  public void setStaticConfig(Path staticConfig) {
    this.staticConfig = staticConfig;
  }

  public Xds getXds() {
    return xds;
  }

  public Locality getLocality() {
    return locality;
  }

  public Clients getClients() {
    return clients;
  }

  public Telemetry getTelemetry() {
    return telemetry;
  }

  public Readiness getReadiness() {
    return readiness;
  }

  /** The control-plane connection ({@code bowline.xds.*}). */
  public static class Xds {
    /** xDS servers as host:port, tried in order (gRPC bootstrap xds_servers); overrides the bootstrap's. */
    private List<String> servers = new ArrayList<>();

    /** A gRPC xDS bootstrap file (GRPC_XDS_BOOTSTRAP format). */
    private Path bootstrap;

    /** Whether to use incremental (delta) xDS instead of state of the world; unset follows the bootstrap. */
    private Boolean delta;

    /** How long calls wait for the first configuration before the does-not-exist timers let them proceed. */
    private Duration initialFetchTimeout = Duration.ofSeconds(15);

    public List<String> getServers() {
      return servers;
    }

    public void setServers(List<String> servers) {
      this.servers = servers;
    }

    public Path getBootstrap() {
      return bootstrap;
    }

    public void setBootstrap(Path bootstrap) {
      this.bootstrap = bootstrap;
    }

    public Boolean getDelta() {
      return delta;
    }

    public void setDelta(Boolean delta) {
      this.delta = delta;
    }

    public Duration getInitialFetchTimeout() {
      return initialFetchTimeout;
    }

    public void setInitialFetchTimeout(Duration initialFetchTimeout) {
      this.initialFetchTimeout = initialFetchTimeout;
    }
  }

  /** The workload's locality ({@code bowline.locality.*}). */
  public static class Locality {
    /** Locality region, e.g. us-east1. */
    private String region = "";

    /** Locality zone, e.g. us-east1-b. */
    private String zone = "";

    /** Locality sub-zone. */
    private String subZone = "";

    public String getRegion() {
      return region;
    }

    public void setRegion(String region) {
      this.region = region;
    }

    public String getZone() {
      return zone;
    }

    public void setZone(String zone) {
      this.zone = zone;
    }

    public String getSubZone() {
      return subZone;
    }

    public void setSubZone(String subZone) {
      this.subZone = subZone;
    }

    boolean isSet() {
      return !region.isEmpty() || !zone.isEmpty() || !subZone.isEmpty();
    }
  }

  /** Which application clients the mesh routes ({@code bowline.clients.*}). */
  public static class Clients {
    /** Route RestClient and RestTemplate built from Boot's builders, and WebClient built from WebClient.Builder. */
    private boolean http = true;

    /** Offer a BowlineOkHttpCustomizer bean that puts OkHttpClient builders on the mesh. */
    private boolean okhttp = true;

    /** Route spring-grpc's clients: the application's GrpcChannelFactory makes mesh channels. */
    private boolean grpc = true;

    public boolean isHttp() {
      return http;
    }

    public void setHttp(boolean http) {
      this.http = http;
    }

    public boolean isOkhttp() {
      return okhttp;
    }

    public void setOkhttp(boolean okhttp) {
      this.okhttp = okhttp;
    }

    public boolean isGrpc() {
      return grpc;
    }

    public void setGrpc(boolean grpc) {
      this.grpc = grpc;
    }
  }

  /** Telemetry switches ({@code bowline.telemetry.*}). */
  public static class Telemetry {
    /** Whether the mesh client records its meters in the application's MeterRegistry. */
    private boolean metrics = true;

    public boolean isMetrics() {
      return metrics;
    }

    public void setMetrics(boolean metrics) {
      this.metrics = metrics;
    }
  }

  /** Readiness ({@code bowline.readiness.*}). */
  public static class Readiness {
    /** Whether the application refuses traffic (readiness state) until the mesh's first configuration has arrived. */
    private boolean awaitConfiguration = true;

    public boolean isAwaitConfiguration() {
      return awaitConfiguration;
    }

    public void setAwaitConfiguration(boolean awaitConfiguration) {
      this.awaitConfiguration = awaitConfiguration;
    }
  }
}
