package io.bowline.runtime.routing;

import java.util.List;

/**
 * The tiny view of a request or response whose headers an adapter lets routing edit (OkHttp's
 * {@code Request.Builder}/{@code Response.Builder}, gRPC {@code Metadata}). Names are lower case.
 */
public interface HeaderEditor {

  /** Current values of a header, in order; empty if absent. */
  List<String> values(String name);

  /** Appends a value. */
  void add(String name, String value);

  /** Replaces every value with one. */
  void set(String name, String value);

  /** Removes every value. */
  void remove(String name);
}
