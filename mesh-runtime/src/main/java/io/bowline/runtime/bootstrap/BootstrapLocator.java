package io.bowline.runtime.bootstrap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Finds the bootstrap the way grpc-java does: the file named by {@code GRPC_XDS_BOOTSTRAP} (or the
 * system property {@code io.grpc.xds.bootstrap}), else the inline JSON of
 * {@code GRPC_XDS_BOOTSTRAP_CONFIG} (or {@code io.grpc.xds.bootstrapConfig}). The environment
 * variable wins over the system property.
 */
public final class BootstrapLocator {
  public static final String ENV_FILE = "GRPC_XDS_BOOTSTRAP";
  public static final String ENV_CONFIG = "GRPC_XDS_BOOTSTRAP_CONFIG";
  public static final String PROP_FILE = "io.grpc.xds.bootstrap";
  public static final String PROP_CONFIG = "io.grpc.xds.bootstrapConfig";

  private BootstrapLocator() {}

  /** The bootstrap from this process's environment and system properties, if any is set. */
  public static Optional<Bootstrap> fromEnvironment() {
    return locate(System.getenv(), System.getProperties());
  }

  /**
   * @throws BootstrapException if a named file cannot be read or its content is invalid
   */
  public static Optional<Bootstrap> locate(Map<String, String> env, Properties props) {
    String file = env.get(ENV_FILE);
    String fileSource = "$" + ENV_FILE;
    if (isBlank(file)) {
      file = props.getProperty(PROP_FILE);
      fileSource = "-D" + PROP_FILE;
    }
    if (!isBlank(file)) {
      return Optional.of(read(Path.of(file), fileSource + "=" + file));
    }
    String inline = env.get(ENV_CONFIG);
    String source = "$" + ENV_CONFIG;
    if (isBlank(inline)) {
      inline = props.getProperty(PROP_CONFIG);
      source = "-D" + PROP_CONFIG;
    }
    if (!isBlank(inline)) {
      return Optional.of(BootstrapParser.parse(inline, source));
    }
    return Optional.empty();
  }

  /**
   * Reads and parses a bootstrap file.
   *
   * @throws BootstrapException naming the file if it cannot be read or is invalid
   */
  public static Bootstrap read(Path file) {
    return read(file, file.toString());
  }

  private static Bootstrap read(Path file, String source) {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BootstrapException(source + ": cannot read the bootstrap file: " + e, e);
    }
    return BootstrapParser.parse(json, source);
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
