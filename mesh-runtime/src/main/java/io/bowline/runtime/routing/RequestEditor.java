package io.bowline.runtime.routing;

/** A {@link HeaderEditor} for the outbound request, which can also take a new path and authority. */
public interface RequestEditor extends HeaderEditor {

  /** Sets {@code :path}, query included, as it goes on the wire (still percent-encoded). */
  void path(String rawPath);

  /** Sets {@code :authority} (the {@code Host} header for HTTP/1). */
  void authority(String authority);
}
