package io.bowline.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar bowline-proxy.jar}'s parse step: the command line is parsed in a class loader of its own, which
 * defines picocli and the command, hands back JDK-typed settings (or an exit code), and can be collected
 * afterwards, so that picocli's classes are unloaded before the proxy runs.
 */
class ProxyMainTest {
  @Test
  void theParserDefinesPicocliAndTheCommandAndLeavesTheRestToItsParent() throws Exception {
    ClassLoader app = ProxyMainTest.class.getClassLoader();
    ParserClassLoader loader = new ParserClassLoader(app);
    assertThat(loader.loadClass("picocli.CommandLine").getClassLoader()).isSameAs(loader);
    assertThat(loader.loadClass("io.bowline.proxy.cli.ProxyCli").getClassLoader()).isSameAs(loader);
    assertThat(loader.loadClass("io.bowline.proxy.cli.ProxyCli$Mode").getClassLoader()).isSameAs(loader);
    assertThat(loader.loadClass("io.bowline.proxy.cli.ProxySettings")).isSameAs(ProxySettings.class);
    assertThat(loader.loadClass("io.bowline.proxy.BowlineProxy").getClassLoader()).isSameAs(app);
  }

  @Test
  void parsedSettingsAreThoseOfTheCommandLineInTheParentsTypes() {
    Object parsed = ProxyMain.parse(new String[] {"--xds", "127.0.0.1:15010", "--workload", "ratings-v1.default",
        "--label", "app=ratings", "--label", "version=v1", "--outbound", "15001", "--inbound", "15006:9080",
        "--admin", "15000", "--gateway-port", "8080:18080", "--outbound-traffic-policy", "REGISTRY_ONLY"},
        new ParserClassLoader(ProxyMainTest.class.getClassLoader()));
    assertThat(parsed).isInstanceOf(ProxySettings.class);
    ProxySettings s = (ProxySettings) parsed;
    assertThat(s.xds()).isEqualTo("127.0.0.1:15010");
    assertThat(s.workload()).isEqualTo("ratings-v1.default");
    assertThat(s.labels()).containsExactly(Map.entry("app", "ratings"), Map.entry("version", "v1"));
    assertThat(s.outbound()).isEqualTo(15001);
    assertThat(s.inbound()).containsExactly(15006, 9080);
    assertThat(s.admin()).isEqualTo(15000);
    assertThat(s.gatewayPorts()).containsExactly(Map.entry(8080, 18080));
    assertThat(s.registryOnly()).isTrue();
    assertThat(s.bind()).isEqualTo("127.0.0.1");
    assertThat(s.gatewayHttp2()).isTrue();
    assertThat(s.certificateProviders()).isNull();
  }

  @Test
  void helpVersionAndUsageErrorsGiveTheirExitCodeAndNothingToRun() {
    ClassLoader app = ProxyMainTest.class.getClassLoader();
    assertThat(ProxyMain.parse(new String[] {"--version"}, new ParserClassLoader(app))).isEqualTo(ProxyCli.OK);
    assertThat(ProxyMain.parse(new String[] {"--bogus"}, new ParserClassLoader(app))).isEqualTo(ProxyCli.USAGE);
    assertThat(ProxyMain.parse(new String[] {"--bootstrap", "/no/such/bootstrap.json", "--outbound", "0"},
        new ParserClassLoader(app))).isEqualTo(ProxyCli.CANNOT_RUN);
  }

  @Test
  void nothingKeepsTheParsersClassLoaderOnceParsed() {
    ParserClassLoader loader = new ParserClassLoader(ProxyMainTest.class.getClassLoader());
    WeakReference<ClassLoader> ref = new WeakReference<>(loader);
    Object parsed = ProxyMain.parse(new String[] {"--admin", "0", "--label", "app=a"}, loader);
    loader = null;
    assertThat(parsed).isInstanceOf(ProxySettings.class);
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      System.gc();
      return ref.get() == null;
    });
  }
}
