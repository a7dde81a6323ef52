package io.bowline.runtime.bootstrap;

/**
 * A bootstrap that cannot be used. The message names the source (file path, environment variable
 * or system property), the JSON field (e.g. {@code xds_servers[0].server_uri}) and the problem.
 */
public final class BootstrapException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public BootstrapException(String message) {
    super(message);
  }

  public BootstrapException(String message, Throwable cause) {
    super(message, cause);
  }
}
