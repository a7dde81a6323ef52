package io.bowline.runtime.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gRFC A27 bootstrap JSON, unchanged, including Istio's proxyless bootstrap. */
class BootstrapParserTest {
  /** The shape of istio's pilot/pkg/networking/grpcgen/testdata/xds_bootstrap.json, written out by hand. */
  static final String ISTIO = """
      {
        "xds_servers": [{"server_uri": "localhost:15010", "channel_creds": [{"type": "insecure"}],
                         "server_features": ["xds_v3"]}],
        "node": {"id": "sidecar~10.0.0.1~foo.default~default.svc.cluster.local",
                 "metadata": {"GENERATOR": "grpc", "NAMESPACE": "default",
                              "LABELS": {"app": "foo", "version": "v1"}},
                 "locality": {"region": "eu", "zone": "eu-1", "sub_zone": "a"}},
        "certificate_providers": {"default": {"plugin_name": "file_watcher",
            "config": {"certificate_file": "/var/lib/istio/data/cert-chain.pem", "refresh_interval": "900s"}}},
        "server_listener_resource_name_template": "xds.istio.io/grpc/lds/inbound/%s"
      }""";

  @Test
  void parsesIstiosProxylessBootstrap() {
    Bootstrap b = BootstrapParser.parse(ISTIO, "istio.json");
    assertThat(b.servers()).singleElement().satisfies(s -> {
      assertThat(s.serverUri()).isEqualTo("localhost:15010");
      assertThat(s.channelCredsType()).isEqualTo("insecure");
      assertThat(s.serverFeatures()).containsExactly("xds_v3");
      assertThat(s.ignoreResourceDeletion()).isFalse();
    });
    assertThat(b.node().getId()).isEqualTo("sidecar~10.0.0.1~foo.default~default.svc.cluster.local");
    assertThat(b.node().getMetadata().getFieldsOrThrow("GENERATOR").getStringValue()).isEqualTo("grpc");
    assertThat(b.node().getLocality().getSubZone()).isEqualTo("a");
    assertThat(b.certificateProviders()).containsKey("default");
    assertThat(b.certificateProviders().get("default").pluginName()).isEqualTo("file_watcher");
    assertThat(b.certificateProviders().get("default").configJson()).contains("cert-chain.pem");
    assertThat(b.serverListenerResourceNameTemplate()).isEqualTo("xds.istio.io/grpc/lds/inbound/%s");
    assertThat(b.clientDefaultListenerResourceNameTemplate()).isEqualTo("%s");
  }

  @Test
  void keepsServersInFallbackOrderWithTheirFeaturesAndPicksTheFirstSupportedCredentials() {
    Bootstrap b = BootstrapParser.parse("""
        {"xds_servers": [
          {"server_uri": "primary:15010", "channel_creds": [{"type": "google_default"}, {"type": "tls"}],
           "server_features": ["ignore_resource_deletion"]},
          {"server_uri": "secondary:15010", "channel_creds": [{"type": "insecure"}]}],
         "authorities": {"xds.example.com": {
           "client_listener_resource_name_template": "xdstp://xds.example.com/envoy.config.listener.v3.Listener/%s",
           "xds_servers": [{"server_uri": "fed:443", "channel_creds": [{"type": "tls"}]}]}}}""", "b.json");
    assertThat(b.servers()).extracting(ServerInfo::serverUri).containsExactly("primary:15010", "secondary:15010");
    assertThat(b.servers().get(0).channelCredsType()).isEqualTo("tls");
    assertThat(b.servers().get(0).ignoreResourceDeletion()).isTrue();
    assertThat(b.authorities().get("xds.example.com").servers()).extracting(ServerInfo::serverUri)
        .containsExactly("fed:443");
  }

  @Test
  void errorsNameTheSourceAndTheField() {
    assertThatThrownBy(() -> BootstrapParser.parse("{}", "a.json"))
        .hasMessage("a.json: xds_servers: is required");
    assertThatThrownBy(() -> BootstrapParser.parse("{\"xds_servers\": []}", "a.json"))
        .hasMessage("a.json: xds_servers: must list at least one server");
    assertThatThrownBy(() -> BootstrapParser.parse(
        "{\"xds_servers\": [{\"channel_creds\": [{\"type\": \"insecure\"}]}]}", "a.json"))
        .hasMessage("a.json: xds_servers[0].server_uri: is required");
    assertThatThrownBy(() -> BootstrapParser.parse(
        "{\"xds_servers\": [{\"server_uri\": \"x:1\", \"channel_creds\": [{\"type\": \"alts\"}]}]}", "a.json"))
        .hasMessageStartingWith("a.json: xds_servers[0].channel_creds: no supported type among [alts]");
    assertThatThrownBy(() -> BootstrapParser.parse(
        "{\"xds_servers\": [{\"server_uri\": 7, \"channel_creds\": []}]}", "a.json"))
        .hasMessageStartingWith("a.json: xds_servers[0].server_uri: must be a string");
    assertThatThrownBy(() -> BootstrapParser.parse("{\"xds_servers\": [", "a.json"))
        .hasMessageStartingWith("a.json: not valid JSON");
    assertThatThrownBy(() -> BootstrapParser.parse("""
        {"xds_servers": [{"server_uri": "x:1", "channel_creds": [{"type": "insecure"}]}],
         "node": {"id": 1, "locality": "nowhere"}}""", "a.json"))
        .hasMessageStartingWith("a.json: node: ");
    assertThatThrownBy(() -> BootstrapParser.parse("""
        {"xds_servers": [{"server_uri": "x:1", "channel_creds": [{"type": "insecure"}]}],
         "certificate_providers": {"default": {"config": {}}}}""", "a.json"))
        .hasMessage("a.json: certificate_providers.default.plugin_name: is required");
  }

  @Test
  void findsTheBootstrapAsGrpcJavaDoes(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bootstrap.json");
    Files.writeString(file, ISTIO);
    String inline = ISTIO.replace("localhost:15010", "inline:15010");
    Properties props = new Properties();
    assertThat(BootstrapLocator.locate(Map.of(), props)).isEmpty();

    props.setProperty(BootstrapLocator.PROP_CONFIG, inline);
    assertThat(BootstrapLocator.locate(Map.of(), props).orElseThrow().servers().get(0).serverUri())
        .isEqualTo("inline:15010");
    props.setProperty(BootstrapLocator.PROP_FILE, file.toString());
    assertThat(BootstrapLocator.locate(Map.of(), props).orElseThrow().servers().get(0).serverUri())
        .isEqualTo("localhost:15010");
    Path envFile = dir.resolve("env.json");
    Files.writeString(envFile, ISTIO.replace("localhost:15010", "env:15010"));
    assertThat(BootstrapLocator.locate(Map.of(BootstrapLocator.ENV_FILE, envFile.toString()), props)
        .orElseThrow().servers().get(0).serverUri()).isEqualTo("env:15010");
  }

  @Test
  void aMissingFileIsNamedInTheError(@TempDir Path dir) {
    Path missing = dir.resolve("missing.json");
    assertThatThrownBy(() -> BootstrapLocator.locate(Map.of(BootstrapLocator.ENV_FILE, missing.toString()),
        new Properties()))
        .isInstanceOf(BootstrapException.class)
        .hasMessageStartingWith("$GRPC_XDS_BOOTSTRAP=" + missing + ": cannot read the bootstrap file");
  }

  @Test
  void acceptsUnixSocketServerUrisAsGrpcsNamingDocSpellsThemAndRefusesOthersNamingTheField() {
    for (String uri : List.of("unix:///etc/istio/proxy/XDS", "unix:/etc/istio/proxy/XDS")) {
      assertThat(UnixSocketUri.path(BootstrapParser.parse(unixBootstrap(uri), "b.json").servers().get(0).serverUri()))
          .isEqualTo(Path.of("/etc/istio/proxy/XDS"));
    }
    assertThat(UnixSocketUri.path("unix:run/XDS")).isEqualTo(Path.of("run/XDS").toAbsolutePath());
    assertThat(UnixSocketUri.grpcTarget(Path.of("/a dir/XDS"))).isEqualTo("unix:/a%20dir/XDS");
    assertThatThrownBy(() -> BootstrapParser.parse(unixBootstrap("unix://istiod/XDS"), "b.json"))
        .isInstanceOf(BootstrapException.class)
        .hasMessageStartingWith("b.json: xds_servers[0].server_uri: \"unix://istiod/XDS\": has an authority");
    assertThatThrownBy(() -> BootstrapParser.parse(unixBootstrap("unix:"), "b.json"))
        .hasMessageStartingWith("b.json: xds_servers[0].server_uri: \"unix:\": names no socket path");
  }

  private static String unixBootstrap(String uri) {
    return "{\"xds_servers\": [{\"server_uri\": \"" + uri + "\", \"channel_creds\": [{\"type\": \"insecure\"}]}]}";
  }
}
