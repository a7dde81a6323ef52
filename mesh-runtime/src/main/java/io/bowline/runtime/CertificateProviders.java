package io.bowline.runtime;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import io.bowline.runtime.bootstrap.Bootstrap;
import io.bowline.runtime.bootstrap.CertificateProviderInfo;
import io.bowline.tls.BouncyCastle;
import io.bowline.tls.CertificateProvider;
import io.bowline.tls.FileWatcherCertificateProvider;
import com.google.protobuf.Value;
import io.bowline.runtime.tls.LocalCaCertificates;
import io.bowline.tls.LocalCa;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC bootstrap's {@code certificate_providers} instances the runtime can run (gRFC A29): plugin
 * {@code file_watcher}, as Istio's grpc-agent writes it. Configs are checked when the client is built (a
 * malformed one fails {@code build()} naming the instance and field); providers start when a cluster's TLS
 * context first names them.
 *
 * <p>When the bootstrap declares no instance named {@code default} (the one istiod's {@code ISTIO_MUTUAL} contexts
 * name), {@code default} is implicitly the local control plane's CA ({@link LocalCaCertificates}): a client of the
 * same user on the same machine gets its workload certificate with no set-up. A bootstrap's {@code default}
 * (Istio's {@code file_watcher}) always takes precedence.
 */
final class CertificateProviders {
  static final String FILE_WATCHER = "file_watcher";
  /** The instance istiod's contexts name for the workload certificate and the roots ({@code ROOTCA}). */
  static final String DEFAULT = "default";
  /** The node metadata key of the workload's service account, as Istio's bootstrap writes it. */
  static final String SERVICE_ACCOUNT = "SERVICE_ACCOUNT";
  private static final Logger log = LoggerFactory.getLogger(CertificateProviders.class);

  private final Map<String, FileWatcherCertificateProvider.Config> configs;
  private final boolean implicitDefault;

  private CertificateProviders(Map<String, FileWatcherCertificateProvider.Config> configs, boolean implicitDefault) {
    this.configs = Map.copyOf(configs);
    this.implicitDefault = implicitDefault;
  }

  /** @throws IllegalArgumentException naming {@code certificate_providers.<name>} and the field */
  static CertificateProviders of(Optional<Bootstrap> bootstrap) {
    Map<String, FileWatcherCertificateProvider.Config> configs = new LinkedHashMap<>();
    Map<String, CertificateProviderInfo> declared = bootstrap.map(Bootstrap::certificateProviders).orElse(Map.of());
    declared.forEach((name, info) -> {
      if (!FILE_WATCHER.equals(info.pluginName())) {
        log.warn("bootstrap certificate_providers.{}: plugin '{}' is not supported (only {}); TLS contexts that "
            + "name this instance are rejected", name, info.pluginName(), FILE_WATCHER);
        return;
      }
      Map<String, Object> json = new Gson().fromJson(info.configJson(), new TypeToken<Map<String, Object>>() { }.getType());
      try {
        configs.put(name, FileWatcherCertificateProvider.Config.fromJson(json == null ? Map.of() : json));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("bootstrap certificate_providers." + name + ".config: " + e.getMessage(), e);
      }
    });
    return new CertificateProviders(configs, !declared.containsKey(DEFAULT));
  }

  /** The instance names TLS contexts may use. */
  Set<String> names() {
    if (!implicitDefault) {
      return configs.keySet();
    }
    Set<String> names = new LinkedHashSet<>(configs.keySet());
    names.add(DEFAULT);
    return names;
  }

  /**
   * Starts the provider of {@code name}, one of {@link #names()}.
   *
   * @param namespace the workload's namespace (the implicit {@code default} asks for its identity)
   * @param node the node sent to the xDS server, whose {@code SERVICE_ACCOUNT} metadata names the service account
   *     ({@code default} without it); {@code null} with a static configuration
   */
  CertificateProvider start(String name, String namespace, Node node) {
    FileWatcherCertificateProvider.Config config = configs.get(name);
    if (config != null) {
      return FileWatcherCertificateProvider.start(config);
    }
    if (implicitDefault && DEFAULT.equals(name)) {
      if (!BouncyCastle.available()) {
        return CertificateProvider.unavailable("the implicit 'default' certificate provider (the local control "
            + "plane's CA) asks for the workload certificate by CSR, which needs Bouncy Castle: add "
            + BouncyCastle.ARTIFACTS + ", or name a file_watcher 'default' in the bootstrap");
      }
      return LocalCaCertificates.start(LocalCa.forCurrentUser(), namespace, serviceAccount(node));
    }
    throw new IllegalArgumentException("no certificate provider instance '" + name + "'");
  }

  private static String serviceAccount(Node node) {
    Value sa = node == null ? null : node.getMetadata().getFieldsMap().get(SERVICE_ACCOUNT);
    return sa != null && sa.hasStringValue() && !sa.getStringValue().isBlank() ? sa.getStringValue() : "default";
  }
}
