package io.bowline.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.runtime.bootstrap.BootstrapLocator;
import io.bowline.runtime.testing.XdsTestServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, "runs unchanged under Istio's proxyless injection": the bootstrap is the file istio-agent writes for a
 * proxyless gRPC pod (node id {@code sidecar~IP~pod.ns~ns.svc.cluster.local}, its metadata, {@code xds_servers[0]}
 * on the agent's Unix domain socket {@code unix:///…/XDS}, certificate provider {@code default} = {@code file_watcher}
 * on {@code cert-chain.pem}/{@code key.pem}/{@code root-cert.pem}, Istio's server listener template), found through
 * {@code io.grpc.xds.bootstrap} as grpc-java finds it ({@code GRPC_XDS_BOOTSTRAP}, the environment variable the
 * injector sets, cannot be set inside a running JVM; the runtime reads both). The application builds its client with
 * no argument; the xDS server answers on the socket (Netty epoll), and mTLS calls over OkHttp and gRPC keep
 * succeeding while the certificate files are renamed into place, the servers seeing the new serials.
 */
class IstioProxylessInjectionTest {
  @TempDir
  Path dir;

  /** istio-agent's bootstrap for a proxyless pod, as pilot/cmd/pilot-agent writes it, pointing at {@code dir}. */
  static String istioAgentBootstrap(String xdsUri, Path certs) {
    return """
        {
          "xds_servers": [{"server_uri": "%s", "channel_creds": [{"type": "insecure"}],
                           "server_features": ["xds_v3"]}],
          "node": {
            "id": "sidecar~10.244.0.17~productpage-v1-6b746f74dc-9stvs.default~default.svc.cluster.local",
            "metadata": {"ANNOTATIONS": {"inject.istio.io/templates": "grpc-agent",
                                         "proxy.istio.io/config": "{\\"holdApplicationUntilProxyStarts\\": true}"},
                         "APP_CONTAINERS": "productpage", "CLUSTER_ID": "Kubernetes", "ENVOY_PROMETHEUS_PORT": 15090,
                         "ENVOY_STATUS_PORT": 15021, "GENERATOR": "grpc", "INSTANCE_IPS": "10.244.0.17",
                         "INTERCEPTION_MODE": "REDIRECT", "ISTIO_PROXY_SHA": "", "ISTIO_VERSION": "1.24.0",
                         "LABELS": {"app": "productpage", "version": "v1"}, "MESH_ID": "cluster.local",
                         "NAME": "productpage-v1-6b746f74dc-9stvs", "NAMESPACE": "default", "NODE_NAME": "kind-worker",
                         "OWNER": "kubernetes://apis/apps/v1/namespaces/default/deployments/productpage-v1",
                         "PILOT_SAN": ["istiod.istio-system.svc"], "POD_PORTS": "[{\\"containerPort\\":9080}]",
                         "PROXY_CONFIG": {"discoveryAddress": "istiod.istio-system.svc:15012"},
                         "SERVICE_ACCOUNT": "bookinfo-productpage", "WORKLOAD_NAME": "productpage-v1"},
            "locality": {},
            "UserAgentVersionType": null
          },
          "certificate_providers": {
            "default": {"plugin_name": "file_watcher",
                        "config": {"certificate_file": "%s", "private_key_file": "%s",
                                   "ca_certificate_file": "%s", "refresh_interval": "1s"}}
          },
          "server_listener_resource_name_template": "xds.istio.io/grpc/lds/inbound/%%s"
        }
        """.formatted(xdsUri, certs.resolve("cert-chain.pem"), certs.resolve("key.pem"),
        certs.resolve("root-cert.pem"));
  }

  @Test
  void anIstioAgentBootstrapOnAUnixSocketServesMtlsCallsWhileTheCertificateFilesAreReplaced() throws Exception {
    Path certs = dir.resolve("var/lib/istio/data");
    Path socket = Files.createDirectories(dir.resolve("etc/istio/proxy")).resolve("XDS");
    Path bootstrap = dir.resolve("etc/istio/proxy/grpc-bootstrap.json");
    try (RotatingMtlsLoad load = new RotatingMtlsLoad(certs, Duration.ofSeconds(6));
        XdsTestServer xds = XdsTestServer.onUnixSocket(socket)) {
      xds.set(load.snapshot());
      Files.writeString(bootstrap, istioAgentBootstrap("unix://" + socket, certs));
      String before = System.getProperty(BootstrapLocator.PROP_FILE);
      System.setProperty(BootstrapLocator.PROP_FILE, bootstrap.toString());
      MeshClient mesh;
      try {
        mesh = MeshClient.builder().build();
      } finally {
        if (before == null) {
          System.clearProperty(BootstrapLocator.PROP_FILE);
        } else {
          System.setProperty(BootstrapLocator.PROP_FILE, before);
        }
      }
      try (mesh) {
        mesh.awaitReady(Duration.ofSeconds(20));
        assertThat(mesh.status().connected()).as("ADS stream over the socket").isTrue();
        assertThat(mesh.workload().name()).isEqualTo("productpage-v1");
        load.rotateUnderLoad(mesh, 2, Duration.ofSeconds(2), Duration.ofSeconds(25));
      }
      assertThat(xds.requests()).as("requests that came over the socket").isNotEmpty();
    }
  }

  @Test
  void withoutNettyEpollAUnixServerUriFailsAtBuildNamingTheFileTheFieldAndTheArtifact() throws Exception {
    Path bootstrap = dir.resolve("grpc-bootstrap.json");
    Files.writeString(bootstrap, istioAgentBootstrap("unix:///etc/istio/proxy/XDS", dir));
    // A JVM whose classpath is this one's without Netty's epoll jars, as an application that did not add them.
    String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(p -> !p.contains("netty-transport-native-epoll") && !p.contains("netty-transport-classes-epoll"))
        .collect(Collectors.joining(File.pathSeparator));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpath, BuildFromBootstrap.class.getName(), bootstrap.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("build() threw BootstrapException: " + bootstrap
        + ": xds_servers[0].server_uri: \"unix:///etc/istio/proxy/XDS\": a Unix domain socket needs Netty's native "
        + "epoll transport, which is not on the classpath: add io.netty:netty-transport-native-epoll "
        + "(classifier linux-x86_64, the version of grpc-netty's Netty)");
  }

  /** Builds a client from the bootstrap file named by its argument and prints what {@code build()} threw. */
  static final class BuildFromBootstrap {
    public static void main(String[] args) {
      try (MeshClient mesh = MeshClient.builder().bootstrap(Path.of(args[0])).build()) {
        System.out.println("build() returned " + mesh);
      } catch (RuntimeException e) {
        System.out.println("build() threw " + e.getClass().getSimpleName() + ": " + e.getMessage());
      }
    }
  }
}
