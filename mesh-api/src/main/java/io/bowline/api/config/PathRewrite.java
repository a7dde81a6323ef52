package io.bowline.api.config;

import java.util.Objects;

/** How a forwarded request's path is rewritten: Envoy {@code RouteAction.prefix_rewrite} or {@code regex_rewrite}. */
public sealed interface PathRewrite {

  /**
   * {@code prefix_rewrite}: the part of the path matched by the route's {@code prefix} or
   * {@code path_separated_prefix} (the whole path for a {@code path} match) becomes {@code value}.
   */
  record Prefix(String value) implements PathRewrite {
    /**
     * Checks the components.
     *
     * @param value what the matched prefix becomes
     * @throws NullPointerException if a required component is {@code null}
     */
    public Prefix {
      Objects.requireNonNull(value, "prefix_rewrite");
    }
  }

  /**
   * {@code regex_rewrite} ({@code RegexMatchAndSubstitute}): RE2 replace-all over the path without
   * its query (the query is re-appended); {@code \N} in the substitution names capture group N.
   */
  record Regex(String pattern, String substitution) implements PathRewrite {
    /**
     * Checks the components.
     *
     * @param pattern RE2 regular expression matched against the path without its query
     * @param substitution the replacement, {@code \N} naming capture group N
     * @throws NullPointerException if a required component is {@code null}
     */
    public Regex {
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(substitution, "substitution");
    }
  }

  /**
   * {@code path_rewrite_policy} with {@code envoy.path.rewrite.uri_template.uri_template_rewriter}
   * ({@code UriTemplateRewriteConfig.path_template_rewrite}): literals and {@code {name}}
   * references to variables captured by the route's {@link PathMatcher.UriTemplate}; the query is kept.
   */
  record UriTemplate(String rewrite) implements PathRewrite {
    /**
     * Checks the components.
     *
     * @param rewrite the template, e.g. {@code /v2/{id}}
     * @throws NullPointerException if a required component is {@code null}
     */
    public UriTemplate {
      Objects.requireNonNull(rewrite, "path_template_rewrite");
    }
  }
}
