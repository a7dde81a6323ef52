package io.bowline.runtime.admin;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static io.bowline.runtime.testing.EnvoyResources.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * The mesh page at {@code /}, opened in headless Chromium (Debian's {@code chromium}) against a Bookinfo-shaped
 * configuration served over a real ADS stream: the rendered DOM names every listener, route configuration,
 * cluster and endpoint, with health and request counters; a screenshot is saved as
 * {@code target/admin/mesh-page.png}. Skipped with a message when Chromium is not installed.
 */
class MeshPageChromiumTest {
  private static final String NS = ".default.svc.cluster.local";
  private static final String PRODUCTPAGE = "productpage" + NS;
  private static final String REVIEWS = "reviews" + NS;
  private static final String RATINGS = "ratings" + NS;
  private static final String DETAILS = "details" + NS;

  @Test
  void thePageShowsBookinfosListenersRoutesClustersAndEndpointsLive() throws Exception {
    String chromium = chromium();
    assumeTrue(chromium != null, "headless Chromium not installed (Debian package chromium); page test skipped");
    List<NamedHttpServer> servers = new ArrayList<>();
    try (XdsTestServer xds = new XdsTestServer()) {
      List<Cluster> clusters = new ArrayList<>();
      List<ClusterLoadAssignment> endpoints = new ArrayList<>();
      List<Listener> listeners = new ArrayList<>();
      List<RouteConfiguration> routeConfigs = new ArrayList<>();
      for (String[] service : new String[][] {{PRODUCTPAGE, "v1"}, {DETAILS, "v1"}, {RATINGS, "v1"},
          {REVIEWS, "v1", "v2", "v3"}}) {
        String fqdn = service[0];
        listeners.add(listener(fqdn, 9080));
        List<Object> weights = new ArrayList<>();
        for (int i = 1; i < service.length; i++) {
          NamedHttpServer backend = new NamedHttpServer(fqdn + "-" + service[i]);
          servers.add(backend);
          String c = clusterName(9080, service[i], fqdn);
          clusters.add(edsCluster(c, Cluster.LbPolicy.ROUND_ROBIN));
          endpoints.add(endpoints(c, backend.port()));
          weights.add(c);
          weights.add(service.length == 2 ? 100 : i == 1 ? 50 : 25);
        }
        routeConfigs.add(service.length == 2 ? routes(fqdn, 9080, toCluster(prefix("/"), (String) weights.get(0)))
            : routes(fqdn, 9080, weighted(prefix("/"), weights.toArray())));
      }
      xds.set(Snapshot.create(clusters, endpoints, listeners, routeConfigs, List.of(), "1"));
      try (MeshClient mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address())
          .meterRegistry(new SimpleMeterRegistry()).adminPort(0).build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        for (int i = 0; i < 8; i++) {
          try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
          }
        }
        String url = "http://127.0.0.1:" + mesh.adminAddress().orElseThrow().getPort() + "/";
        Path out = Path.of("target", "admin");
        Files.createDirectories(out);

        String dom = run(chromium, out, "--dump-dom", url);
        assertThat(dom).contains("data-rendered=\"true\"");
        for (String fqdn : List.of(PRODUCTPAGE, DETAILS, RATINGS, REVIEWS)) {
          assertThat(dom).contains("listener " + fqdn + ":9080", "route outbound|9080||" + fqdn);
        }
        for (Cluster c : clusters) {
          assertThat(dom).contains("cluster " + c.getName());
        }
        for (NamedHttpServer s : servers) {
          assertThat(dom).contains("127.0.0.1:" + s.port());
        }
        assertThat(dom).contains("weight 50", "weight 25", ">healthy<", "rq/s")
            .as("no NACKed resource listed").contains("<div class=\"errors\" id=\"errors\"></div>");

        Path screenshot = out.resolve("mesh-page.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        run(chromium, out, "--screenshot=" + screenshot, "--window-size=1400,1600", url);
        assertThat(screenshot).exists();
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
      }
    } finally {
      servers.forEach(NamedHttpServer::close);
    }
  }

  /** Runs headless Chromium on {@code url} with virtual time, so the page's polling fetches finish first. */
  private static String run(String chromium, Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--user-data-dir=" + dir.resolve("chromium-profile").toAbsolutePath(),
        "--virtual-time-budget=5000"));
    cmd.addAll(List.of(args));
    File log = dir.resolve("chromium.log").toFile();
    Process p = new ProcessBuilder(cmd).redirectError(log).start();
    byte[] stdout = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    assertThat(p.exitValue()).as("chromium exit status; see %s", log).isZero();
    return new String(stdout, StandardCharsets.UTF_8);
  }

  private static String chromium() {
    for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
        File f = new File(dir, name);
        if (f.canExecute()) {
          return f.getAbsolutePath();
        }
      }
    }
    return null;
  }
}
