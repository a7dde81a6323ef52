package io.bowline.runtime.staticconfig;

/** A static configuration file that cannot be used; the message names the file and the problem. */
public final class StaticConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public StaticConfigException(String message) {
    super(message);
  }

  public StaticConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
