package io.bowline.runtime.routing;

import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's URI templates ({@code envoy.path.match.uri_template}, {@code envoy.path.rewrite.uri_template})
 * compiled to RE2. A segment operator {@code *} matches one non-empty path segment,
 * {@code **} any number of characters including {@code /} (only as the last operator);
 * {@code {name}} / {@code {name=*}} capture one segment, {@code {name=videos/*}} or
 * {@code {name=**}} capture several. At most 5 variables; names are {@code [a-zA-Z][a-zA-Z0-9_]*}.
 */
public final class UriTemplates {
  private static final String SEGMENT = "[a-zA-Z0-9\\-._~%!$&'()+,;:@=]+";
  private static final String GLOB = "[a-zA-Z0-9\\-._~%!$&'()+,;:@=/]*";
  private static final int MAX_VARIABLES = 5;

  private UriTemplates() {}

  /**
   * The RE2 regex for a match template, variables as named groups.
   *
   * @throws IllegalArgumentException on a malformed template, naming what is wrong
   */
  public static String toRegex(String template) {
    if (!template.startsWith("/")) {
      throw new IllegalArgumentException("path_template '" + template + "' must start with '/'");
    }
    StringBuilder re = new StringBuilder();
    List<String> names = new ArrayList<>();
    boolean globSeen = false;
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (globSeen && (c == '*' || c == '{')) {
        throw new IllegalArgumentException("path_template '" + template + "': '**' must be the last operator");
      }
      if (c == '{') {
        int end = template.indexOf('}', i);
        if (end < 0) {
          throw new IllegalArgumentException("path_template '" + template + "': unclosed '{'");
        }
        String body = template.substring(i + 1, end);
        int eq = body.indexOf('=');
        String name = eq < 0 ? body : body.substring(0, eq);
        String inner = eq < 0 ? "*" : body.substring(eq + 1);
        if (!name.matches("[a-zA-Z][a-zA-Z0-9_]*") || names.contains(name)) {
          throw new IllegalArgumentException("path_template '" + template + "': bad or repeated variable name '" + name + "'");
        }
        names.add(name);
        if (names.size() > MAX_VARIABLES) {
          throw new IllegalArgumentException("path_template '" + template + "': more than " + MAX_VARIABLES + " variables");
        }
        StringBuilder group = new StringBuilder();
        for (String part : inner.split("/", -1)) {
          if (group.length() > 0) {
            group.append('/');
          }
          if (part.equals("**")) {
            group.append(GLOB);
            globSeen = true;
          } else if (part.equals("*")) {
            group.append(SEGMENT);
          } else if (part.isEmpty() || part.contains("*")) {
            throw new IllegalArgumentException("path_template '" + template + "': bad variable pattern '" + inner + "'");
          } else {
            group.append(Pattern.quote(part));
          }
        }
        re.append("(?P<").append(name).append('>').append(group).append(')');
        i = end + 1;
      } else if (template.startsWith("**", i)) {
        re.append(GLOB);
        globSeen = true;
        i += 2;
      } else if (c == '*') {
        re.append(SEGMENT);
        i++;
      } else if (c == '}' || c == '?' || c == '#') {
        throw new IllegalArgumentException("path_template '" + template + "': unexpected '" + c + "'");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
        i++;
      }
    }
    return re.toString();
  }

  /**
   * The re2j replacement for a rewrite template ({@code {name}} becomes {@code ${name}}).
   *
   * @param matchTemplate the route's match template, whose variables the rewrite may name
   * @throws IllegalArgumentException if the rewrite names an unknown variable or is malformed
   */
  public static String toReplacement(String rewrite, String matchTemplate) {
    if (!rewrite.startsWith("/")) {
      throw new IllegalArgumentException("path_template_rewrite '" + rewrite + "' must start with '/'");
    }
    String regex = toRegex(matchTemplate);
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < rewrite.length()) {
      char c = rewrite.charAt(i);
      if (c == '{') {
        int end = rewrite.indexOf('}', i);
        String name = end < 0 ? "" : rewrite.substring(i + 1, end);
        if (name.isEmpty() || !regex.contains("(?P<" + name + ">")) {
          throw new IllegalArgumentException("path_template_rewrite '" + rewrite + "' names unknown variable '" + name + "'");
        }
        out.append("${").append(name).append('}');
        i = end + 1;
      } else if (c == '*' || c == '}') {
        throw new IllegalArgumentException("path_template_rewrite '" + rewrite + "': unexpected '" + c + "'");
      } else {
        out.append(c == '$' || c == '\\' ? "\\" + c : String.valueOf(c));
        i++;
      }
    }
    return out.toString();
  }
}
