package io.bowline.runtime.xds.resource;

/**
 * A resource the runtime cannot accept. The message names the field (a path such as
 * {@code virtual_hosts[0].routes[2].match.safe_regex}) and what is wrong with it.
 */
public final class ResourceException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String field;

  public ResourceException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** The field path inside the resource. */
  public String field() {
    return field;
  }

  /** The same error with {@code prefix.} in front of its field path. */
  public ResourceException within(String prefix) {
    return new ResourceException(prefix + "." + field, getMessage().substring(field.length() + 2));
  }
}
