package io.bowline.runtime.telemetry.format;

import io.bowline.api.filter.Exchange;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The value of a tag that Istio's Telemetry API {@code tagOverrides} (the {@code istio.stats} filter's
 * {@code dimensions}) add or replace: a CEL expression of the subset Bowline evaluates, compiled once where the
 * listener is read. Supported, each on its own:
 *
 * <ul>
 *   <li>a string literal, {@code 'text'} or {@code "text"} (no escapes);
 *   <li>{@code request.host} (the {@code :authority}), {@code request.method}, {@code request.path} (with the
 *       query), {@code request.url_path} (without it), {@code request.scheme};
 *   <li>{@code request.headers['name']} (any case; several values joined with {@code ,});
 *   <li>{@code response.code} (the HTTP status).
 * </ul>
 *
 * A value that is absent (a header the request does not carry) is {@code unknown}, as Istio's stats filter reports
 * an expression that does not evaluate. Anything else is rejected by {@link #compile}: the listener is NACKed rather
 * than reporting a wrong value.
 */
public final class MetricExpression {
  /** The value of an expression that does not evaluate, as Istio's stats filter reports it. */
  public static final String UNKNOWN = "unknown";
  /** The supported expressions, for error messages. */
  public static final String SUPPORTED = "'literal', request.host, request.method, request.path, request.url_path,"
      + " request.scheme, request.headers['name'], response.code";

  private static final Pattern LITERAL = Pattern.compile("'([^'\\\\]*)'|\"([^\"\\\\]*)\"");
  private static final Pattern HEADER =
      Pattern.compile("request\\.headers\\s*\\[\\s*(?:'([^'\\\\]+)'|\"([^\"\\\\]+)\")\\s*\\]");

  private enum Kind { LITERAL, HOST, METHOD, PATH, URL_PATH, SCHEME, HEADER, RESPONSE_CODE }

  private final Kind kind;
  private final String argument;

  private MetricExpression(Kind kind, String argument) {
    this.kind = kind;
    this.argument = argument;
  }

  /**
   * Compiles one expression.
   *
   * @param expression the CEL text
   * @return the compiled expression
   * @throws IllegalArgumentException naming the expression and the supported subset when it is outside it
   */
  public static MetricExpression compile(String expression) {
    String e = expression.strip();
    Matcher literal = LITERAL.matcher(e);
    if (literal.matches()) {
      return new MetricExpression(Kind.LITERAL, literal.group(1) != null ? literal.group(1) : literal.group(2));
    }
    Matcher header = HEADER.matcher(e);
    if (header.matches()) {
      String name = header.group(1) != null ? header.group(1) : header.group(2);
      return new MetricExpression(Kind.HEADER, name.toLowerCase(Locale.ROOT));
    }
    Kind kind = switch (e) {
      case "request.host" -> Kind.HOST;
      case "request.method" -> Kind.METHOD;
      case "request.path" -> Kind.PATH;
      case "request.url_path" -> Kind.URL_PATH;
      case "request.scheme" -> Kind.SCHEME;
      case "response.code" -> Kind.RESPONSE_CODE;
      default -> throw new IllegalArgumentException("CEL expression \"" + expression
          + "\" is not supported; expected one of " + SUPPORTED);
    };
    return new MetricExpression(kind, "");
  }

  /** Whether the value is the same for every call (a literal). */
  public boolean constant() {
    return kind == Kind.LITERAL;
  }

  /**
   * The value for one call, {@link #UNKNOWN} when absent.
   *
   * @param e the finished exchange (its request as sent, its status)
   * @return the tag's value
   */
  public String evaluate(Exchange e) {
    String v = switch (kind) {
      case LITERAL -> argument;
      case HOST -> e.authority();
      case METHOD -> e.method();
      case PATH -> e.path();
      case URL_PATH -> urlPath(e.path());
      case SCHEME -> e.scheme();
      case HEADER -> e.header(argument);
      case RESPONSE_CODE -> Integer.toString(e.status());
    };
    return v == null ? UNKNOWN : v;
  }

  private static String urlPath(String path) {
    if (path == null) {
      return null;
    }
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MetricExpression m && m.kind == kind && m.argument.equals(argument);
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + argument.hashCode();
  }

  @Override
  public String toString() {
    return kind + (argument.isEmpty() ? "" : "(" + argument + ")");
  }
}
