package io.bowline.api.config;

import java.util.Objects;

/** The path specifier of an Envoy {@code RouteMatch}. */
public sealed interface PathMatcher {

  /** {@code prefix}: the raw path, query included, starts with {@code value}. */
  record Prefix(String value) implements PathMatcher {
    /**
     * Checks the components.
     *
     * @param value the prefix
     * @throws NullPointerException if a required component is {@code null}
     */
    public Prefix {
      Objects.requireNonNull(value, "prefix");
    }
  }

  /** {@code path}: the path without its query equals {@code value}. */
  record Exact(String value) implements PathMatcher {
    /**
     * Checks the components.
     *
     * @param value the path
     * @throws NullPointerException if a required component is {@code null}
     */
    public Exact {
      Objects.requireNonNull(value, "path");
    }
  }

  /** {@code safe_regex}: RE2, full match against the path without its query. */
  record Regex(String regex) implements PathMatcher {
    /**
     * Checks the components.
     *
     * @param regex the RE2 regular expression
     * @throws NullPointerException if a required component is {@code null}
     */
    public Regex {
      Objects.requireNonNull(regex, "regex");
    }
  }

  /**
   * {@code path_separated_prefix}: the path without query equals {@code value} or starts with
   * {@code value + "/"}.
   */
  record SeparatedPrefix(String value) implements PathMatcher {
    /**
     * Checks the components.
     *
     * @param value the prefix, without a trailing {@code /}
     * @throws NullPointerException if a required component is {@code null}
     */
    public SeparatedPrefix {
      Objects.requireNonNull(value, "path_separated_prefix");
    }
  }

  /**
   * {@code path_match_policy} with {@code envoy.path.match.uri_template.uri_template_matcher}
   * ({@code UriTemplateMatchConfig.path_template}), matched against the path without its query:
   * {@code *} is one segment, {@code **} zero or more (last only), {@code {name}} or
   * {@code {name=*}} captures one segment, {@code {name=a/*}} or {@code {name=**}} several.
   */
  record UriTemplate(String template) implements PathMatcher {
    /**
     * Checks the components.
     *
     * @param template the path template, e.g. {@code /books/{id}/**}
     * @throws NullPointerException if a required component is {@code null}
     */
    public UriTemplate {
      Objects.requireNonNull(template, "path_template");
    }
  }
}
