package io.bowline.proxy.cli;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.proxy.inbound.ServerListenerResources;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The {@code bowline-proxy} command line: the issue's flags start a proxy whose admin port says
 * {@code /ready} once configured, whose outbound listener routes by the mesh and whose inbound
 * listener forwards to the application; usage errors exit 2 and failures to start exit 3, each
 * with one line on standard error.
 */
class ProxyCliTest {
  private static final String SVC = "ratings.default.svc.cluster.local";

  record Run(int code, String err) {}

  private static Run run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine c = ProxyCli.commandLine(new ProxyCli());
    c.setErr(new PrintWriter(err));
    int code = c.execute(args);
    return new Run(code, err.toString());
  }

  @Test
  void usageErrorsExit2WithOneLineOnStandardError() {
    Run unknown = run("--bogus");
    assertThat(unknown.code()).isEqualTo(ProxyCli.USAGE);
    assertThat(unknown.err()).startsWith("bowline-proxy: Unknown option: '--bogus'").hasLineCount(1);
    assertThat(run("--inbound", "15006").code()).isEqualTo(ProxyCli.USAGE);
    assertThat(run("--outbound", "0").err()).contains("--outbound needs --xds or --bootstrap");
    assertThat(run("--xds", "127.0.0.1:1", "--outbound", "0", "--label", "novalue").err()).contains("--label must be KEY=VALUE");
    assertThat(run().err()).contains("give at least one of --outbound, --inbound, --admin");
    assertThat(run("--xds", "127.0.0.1:1", "--outbound", "0", "--tcp-port", "9000").err())
        .contains("--tcp-port must be PORT:LOCAL");
    assertThat(run("--xds", "127.0.0.1:1", "--outbound", "0", "--certificate-file", "c.pem").err())
        .contains("--certificate-file, --private-key-file and --ca-certificate-file go together");
    assertThat(run("--xds", "127.0.0.1:1", "--outbound", "0", "--certificate-file", "c.pem", "--private-key-file",
        "k.pem", "--ca-certificate-file", "ca.pem", "--refresh-interval", "10m").err())
        .contains("--refresh-interval must be a duration in seconds such as 600s, got '10m'");
    assertThat(run("--bootstrap", "b.json", "--outbound", "0", "--certificate-file", "c.pem", "--private-key-file",
        "k.pem", "--ca-certificate-file", "ca.pem").err()).contains("--certificate-file needs --xds");
  }

  @Test
  void aMissingBootstrapOrABusyPortExits3() throws IOException {
    Run missing = run("--bootstrap", "/no/such/bootstrap.json", "--outbound", "0");
    assertThat(missing.code()).isEqualTo(ProxyCli.CANNOT_RUN);
    assertThat(missing.err()).isEqualTo("bowline-proxy: /no/such/bootstrap.json: no such bootstrap file" + System.lineSeparator());
    try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Run inUse = run("--admin", Integer.toString(busy.getLocalPort()));
      assertThat(inUse.code()).isEqualTo(ProxyCli.CANNOT_RUN);
      assertThat(inUse.err()).startsWith("bowline-proxy: cannot listen:");
    }
  }

  @Test
  void theIssuesFlagsStartAProxyThatRoutesForwardsAndSaysReady() throws Exception {
    try (NamedHttpServer ratings = new NamedHttpServer("ratings-v1");
        NamedHttpServer app = new NamedHttpServer("local-app");
        XdsTestServer xds = new XdsTestServer()) {
      xds.set(Snapshot.create(List.of(edsCluster("ratings", Cluster.LbPolicy.ROUND_ROBIN)),
          List.of(endpoints("ratings", ratings.port())), List.of(listener(SVC, 9080),
              ServerListenerResources.listener(app.port(), ServerListenerResources.chain("inbound-plaintext", ""))),
          List.of(routes(SVC, 9080, toCluster(prefix("/"), "ratings"))), List.of(), "1"));
      ProxyCli cli = new ProxyCli();
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> ProxyCli.commandLine(cli).execute(
          "--xds", xds.address(), "--workload", "reviews-v1.default", "--service-account", "bookinfo-reviews",
          "--label", "app=reviews", "--label", "version=v1", "--outbound", "0", "--inbound", "0:" + app.port(),
          "--admin", "0", "--threads", "1"));
      await().atMost(Duration.ofSeconds(30)).until(() -> cli.proxy() != null || exit.isDone());
      assertThat(exit).isNotDone();
      int admin = cli.proxy().adminPort();
      await().atMost(Duration.ofSeconds(30)).until(() -> get(admin, "/ready", null, null).startsWith("200"));

      assertThat(get(cli.proxy().outboundPort(), "http://ratings:9080/r", "ratings:9080", Proxy.Type.HTTP))
          .isEqualTo("200 ratings-v1");
      assertThat(get(cli.proxy().inboundPort(), "/in", null, null)).isEqualTo("200 local-app");

      // the mesh client's admin handlers on the proxy's admin port
      assertThat(get(admin, "/clusters", null, null)).startsWith("200").contains("ratings::127.0.0.1:" + ratings.port());
      assertThat(get(admin, "/config_dump", null, null)).startsWith("200")
          .contains("type.googleapis.com/envoy.admin.v3.ListenersConfigDump", SVC + ":9080");
      assertThat(get(admin, "/stats/prometheus", null, null)).startsWith("200").contains("istio_requests_total");
      assertThat(get(admin, "/", null, null)).startsWith("200").containsIgnoringCase("<html");

      cli.stop();
      assertThat(exit.get()).isEqualTo(ProxyCli.OK);
    }
  }

  /** {@code status body} of a GET (through the port as an HTTP proxy when {@code type} is HTTP). */
  private static String get(int port, String pathOrUrl, String unused, Proxy.Type type) throws IOException {
    HttpURLConnection c;
    if (type == Proxy.Type.HTTP) {
      c = (HttpURLConnection) URI.create(pathOrUrl).toURL()
          .openConnection(new Proxy(type, new java.net.InetSocketAddress("127.0.0.1", port)));
    } else {
      c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + pathOrUrl).toURL().openConnection(Proxy.NO_PROXY);
    }
    c.setConnectTimeout(5000);
    c.setReadTimeout(10000);
    int code = c.getResponseCode();
    var in = code < 400 ? c.getInputStream() : c.getErrorStream();
    String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    return code + " " + body;
  }
}
