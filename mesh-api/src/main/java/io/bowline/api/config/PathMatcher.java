package io.bowline.api.config;

import java.util.Objects;

/** The path specifier of an Envoy {@code RouteMatch}. */
public sealed interface PathMatcher {

  /** {@code prefix}: the raw path, query included, starts with {@code value}. */
  record Prefix(String value) implements PathMatcher {
    public Prefix {
      Objects.requireNonNull(value, "prefix");
    }
  }

  /** {@code path}: the path without its query equals {@code value}. */
  record Exact(String value) implements PathMatcher {
    public Exact {
      Objects.requireNonNull(value, "path");
    }
  }

  /** {@code safe_regex}: RE2, full match against the path without its query. */
  record Regex(String regex) implements PathMatcher {
    public Regex {
      Objects.requireNonNull(regex, "regex");
    }
  }

  /**
   * {@code path_separated_prefix}: the path without query equals {@code value} or starts with
   * {@code value + "/"}.
   */
  record SeparatedPrefix(String value) implements PathMatcher {
    public SeparatedPrefix {
      Objects.requireNonNull(value, "path_separated_prefix");
    }
  }
}
