package io.bowline.runtime;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import io.bowline.runtime.bootstrap.Bootstrap;
import io.bowline.runtime.bootstrap.CertificateProviderInfo;
import io.bowline.tls.CertificateProvider;
import io.bowline.tls.FileWatcherCertificateProvider;
import java.util.LinkedHashMap;
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
 */
final class CertificateProviders {
  static final String FILE_WATCHER = "file_watcher";
  private static final Logger log = LoggerFactory.getLogger(CertificateProviders.class);

  private final Map<String, FileWatcherCertificateProvider.Config> configs;

  private CertificateProviders(Map<String, FileWatcherCertificateProvider.Config> configs) {
    this.configs = Map.copyOf(configs);
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
    return new CertificateProviders(configs);
  }

  /** The instance names TLS contexts may use. */
  Set<String> names() {
    return configs.keySet();
  }

  /** Starts the provider of {@code name}, one of {@link #names()}. */
  CertificateProvider start(String name) {
    FileWatcherCertificateProvider.Config config = configs.get(name);
    if (config == null) {
      throw new IllegalArgumentException("no certificate provider instance '" + name + "'");
    }
    return FileWatcherCertificateProvider.start(config);
  }
}
