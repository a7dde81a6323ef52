package io.bowline.controlplane.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * Reports the version the build wrote into {@code version.properties} (Maven resource filtering of
 * {@code ${project.version}}), so {@code --version} and {@code -V} say which build is running, on the
 * top command and on every subcommand.
 */
final class VersionProvider implements IVersionProvider {

  /** The build's version, e.g. {@code 0.1.0-SNAPSHOT}. */
  static String version() {
    try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        throw new IllegalStateException("version.properties is missing from the jar");
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read version.properties", e);
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {"bowline-control-plane " + version()};
  }
}
