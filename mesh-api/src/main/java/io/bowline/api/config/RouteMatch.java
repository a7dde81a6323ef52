package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/**
 * Envoy {@code config.route.v3.RouteMatch}: every set field must match (logical AND).
 *
 * @param path the path specifier ({@code prefix}, {@code path}, {@code safe_regex},
 *     {@code path_separated_prefix})
 * @param caseSensitive {@code case_sensitive} (default true); ignored by regexes
 * @param headers {@code headers}, all must match
 */
public record RouteMatch(PathMatcher path, boolean caseSensitive, List<HeaderMatcher> headers) {
  public RouteMatch {
    Objects.requireNonNull(path, "path");
    headers = List.copyOf(headers);
  }
}
