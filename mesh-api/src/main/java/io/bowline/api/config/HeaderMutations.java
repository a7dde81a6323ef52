package io.bowline.api.config;

import java.util.List;

/**
 * The header edits one level of the route table asks for: Envoy's {@code request_headers_to_add},
 * {@code request_headers_to_remove}, {@code response_headers_to_add} and
 * {@code response_headers_to_remove} on a weighted cluster, route, virtual host or route
 * configuration. Removals apply before additions.
 *
 * @param requestHeadersToAdd in order
 * @param requestHeadersToRemove header names, lower case
 * @param responseHeadersToAdd in order
 * @param responseHeadersToRemove header names, lower case
 */
public record HeaderMutations(
    List<HeaderValueOption> requestHeadersToAdd,
    List<String> requestHeadersToRemove,
    List<HeaderValueOption> responseHeadersToAdd,
    List<String> responseHeadersToRemove) {
  /** No edits. */
  public static final HeaderMutations NONE = new HeaderMutations(List.of(), List.of(), List.of(), List.of());

  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param requestHeadersToAdd in order
   * @param requestHeadersToRemove header names, lower case
   * @param responseHeadersToAdd in order
   * @param responseHeadersToRemove header names, lower case
   */
  public HeaderMutations {
    requestHeadersToAdd = List.copyOf(requestHeadersToAdd);
    requestHeadersToRemove = requestHeadersToRemove.stream().map(s -> s.toLowerCase(java.util.Locale.ROOT)).toList();
    responseHeadersToAdd = List.copyOf(responseHeadersToAdd);
    responseHeadersToRemove = responseHeadersToRemove.stream().map(s -> s.toLowerCase(java.util.Locale.ROOT)).toList();
  }

  /**
   * Whether there is nothing to do.
   *
   * @return {@code true} if nothing is added, set or removed
   */
  public boolean isEmpty() {
    return requestHeadersToAdd.isEmpty() && requestHeadersToRemove.isEmpty()
        && responseHeadersToAdd.isEmpty() && responseHeadersToRemove.isEmpty();
  }
}
