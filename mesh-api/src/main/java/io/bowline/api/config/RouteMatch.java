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
 * @param queryParameters {@code query_parameters}, all must match
 * @param runtimeFraction {@code runtime_fraction.default_value}, or {@code null}: the route matches
 *     only when a fresh draw falls under it
 * @param grpc {@code grpc}: only requests whose {@code content-type} is {@code application/grpc}
 *     or starts with {@code application/grpc+}
 */
public record RouteMatch(
    PathMatcher path,
    boolean caseSensitive,
    List<HeaderMatcher> headers,
    List<QueryParameterMatcher> queryParameters,
    FractionalPercent runtimeFraction,
    boolean grpc) {
  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param path the path specifier ({@code prefix}, {@code path}, {@code safe_regex}, {@code
   *     path_separated_prefix})
   * @param caseSensitive {@code case_sensitive} (default true); ignored by regexes
   * @param headers {@code headers}, all must match
   * @param queryParameters {@code query_parameters}, all must match
   * @param runtimeFraction {@code runtime_fraction.default_value}, or {@code null}: the route matches only
   *     when a fresh draw falls under it
   * @param grpc {@code grpc}: only requests whose {@code content-type} is {@code application/grpc} or starts
   *     with {@code application/grpc+}
   * @throws NullPointerException if a required component is {@code null}
   */
  public RouteMatch {
    Objects.requireNonNull(path, "path");
    headers = List.copyOf(headers);
    queryParameters = List.copyOf(queryParameters);
  }

  /**
   * A match on path and headers only.
   *
   * @param path the path specifier ({@code prefix}, {@code path}, {@code safe_regex}, {@code
   *     path_separated_prefix})
   * @param caseSensitive {@code case_sensitive} (default true); ignored by regexes
   * @param headers {@code headers}, all must match
   */
  public RouteMatch(PathMatcher path, boolean caseSensitive, List<HeaderMatcher> headers) {
    this(path, caseSensitive, headers, List.of(), null, false);
  }
}
