package io.bowline.controlplane.istio;

import com.google.common.net.InetAddresses;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.bowline.controlplane.DiagnosticCode;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * Checks of values that parse but cannot work: IP addresses, host names, header names of header edits,
 * regular expressions and {@code exportTo} entries, each as istiod validates it (or as Envoy would NACK it).
 * A failed check is an error naming the field, the value (shortened, see {@link #quote}) and what was
 * expected.
 */
final class ValueChecks {

  /** The longest regex compiled: 1,024 characters (Istio's own gateways use well under 200). */
  static final int MAX_REGEX_CHARS = 1024;
  /**
   * The largest regex program (re2j instructions): 100, Envoy's default
   * {@code re2.max_program_size.error_level}, above which Envoy refuses a {@code safe_regex}.
   */
  static final int MAX_REGEX_PROGRAM_SIZE = 100;
  /** The most characters of a bad value that a diagnostic repeats. */
  private static final int MAX_QUOTED_CHARS = 64;

  private static final java.util.regex.Pattern IPV4 =
      java.util.regex.Pattern.compile("([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})");
  private static final java.util.regex.Pattern DNS_LABEL =
      java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final java.util.regex.Pattern HOST_LABEL =
      java.util.regex.Pattern.compile("[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?");
  /** An HTTP field name: RFC 9110 token characters. */
  private static final java.util.regex.Pattern HEADER_NAME =
      java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private ValueChecks() {}

  /** {@code value} in double quotes, shortened as {@link #shorten} does. */
  static String quote(String value) {
    return value.length() <= MAX_QUOTED_CHARS ? "\"" + escape(value) + "\""
        : "\"" + escape(value.substring(0, MAX_QUOTED_CHARS)) + "\"... (" + value.length() + " characters)";
  }

  /**
   * {@code value} cut to {@value #MAX_QUOTED_CHARS} characters (then followed by its full length), with control
   * and format characters escaped, so that a diagnostic stays one short line.
   */
  static String shorten(String value) {
    return value.length() <= MAX_QUOTED_CHARS ? escape(value)
        : escape(value.substring(0, MAX_QUOTED_CHARS)) + "... (" + value.length() + " characters)";
  }

  private static String escape(String value) {
    StringBuilder text = new StringBuilder();
    value.codePoints().forEach(c -> {
      int type = Character.getType(c);
      if (c < 0x20 || c == 0x7f || type == Character.FORMAT || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR) {
        text.append(String.format(Locale.ROOT, "\\u%04x", c));
      } else {
        text.appendCodePoint(c);
      }
    });
    return text.toString();
  }

  /** Whether {@code text} is an IPv4 address in dotted-quad form or an IPv6 address (without a zone id). */
  static boolean isIp(String text) {
    return isIpv4(text) || isIpv6(text);
  }

  private static boolean isIpv4(String text) {
    Matcher m = IPV4.matcher(text);
    if (!m.matches()) {
      return false;
    }
    for (int i = 1; i <= 4; i++) {
      if (Integer.parseInt(m.group(i)) > 255) {
        return false;
      }
    }
    return true;
  }

  private static boolean isIpv6(String text) {
    // Guava parses literals only (never DNS); a zone id is refused before it looks
    return text.contains(":") && !text.contains("%") && InetAddresses.isInetAddress(text);
  }

  /** Whether {@code text} is a DNS host name (RFC 1123 labels, at most 253 characters, not all digits). */
  static boolean isHostName(String text) {
    if (text.isEmpty() || text.length() > 253 || text.chars().allMatch(c -> c == '.' || Character.isDigit(c))) {
      return false;
    }
    String name = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    for (String label : name.split("\\.", -1)) {
      if (!HOST_LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  /**
   * An endpoint address ({@code WorkloadEntry.address}, {@code ServiceEntry.endpoints[].address}): an IPv4 or
   * IPv6 address, or a host name (resolved by DNS). Reports an error and answers false otherwise.
   */
  static boolean endpointAddress(SpecReader owner, String key, String address) {
    if (isIp(address) || isHostName(address)) {
      return true;
    }
    String expected = address.contains("%")
        ? "an IP address without a zone id (Envoy's socket address cannot carry one), or a host name"
        : "an IPv4 address (four numbers 0-255), an IPv6 address, or a host name";
    owner.error(key, "invalid address " + quote(address) + "; expected " + expected);
    return false;
  }

  /**
   * A header name in a header edit ({@code headers.request.set} and the like): a non-empty HTTP token, not a
   * pseudo-header ({@code :path}) and not {@code Host}, which istiod refuses to edit.
   */
  static boolean headerName(SpecReader owner, String field, String name) {
    String problem = null;
    if (name.isEmpty()) {
      problem = "a header name must not be empty";
    } else if (name.startsWith(":")) {
      problem = "pseudo-header " + quote(name) + " cannot be edited";
    } else if (name.equalsIgnoreCase("host")) {
      problem = "header " + quote(name) + " cannot be edited (use rewrite.authority)";
    } else if (!HEADER_NAME.matcher(name).matches()) {
      problem = "invalid header name " + quote(name)
          + "; expected an HTTP token (letters, digits, -_.!#$%&'*+^`|~)";
    }
    if (problem != null) {
      owner.error(field, problem);
      return false;
    }
    return true;
  }

  /**
   * A regular expression (RE2 syntax): at most {@value #MAX_REGEX_CHARS} characters and a program of at most
   * {@value #MAX_REGEX_PROGRAM_SIZE} instructions; reports {@code IST0122} otherwise.
   */
  static boolean regex(SpecReader owner, String key, String text) {
    if (text.length() > MAX_REGEX_CHARS) {
      owner.error(DiagnosticCode.INVALID_REGEXP, key, "regex of " + text.length() + " characters is longer than "
          + MAX_REGEX_CHARS);
      return false;
    }
    try {
      int size = Pattern.compile(text).programSize();
      if (size > MAX_REGEX_PROGRAM_SIZE) {
        owner.error(DiagnosticCode.INVALID_REGEXP, key, "regex " + quote(text) + " compiles to a program of "
            + size + " instructions; at most " + MAX_REGEX_PROGRAM_SIZE + " (Envoy's max_program_size)");
        return false;
      }
      return true;
    } catch (PatternSyntaxException e) {
      owner.error(DiagnosticCode.INVALID_REGEXP, key, "invalid RE2 regex " + quote(text) + ": "
          + e.getDescription());
      return false;
    }
  }

  /**
   * {@code exportTo}: each entry a string, {@code "."}, {@code "*"}, {@code "~"} or a namespace name (a DNS
   * label); {@code "~"} and {@code "*"} stand alone. Returns the entries, or empty after an error.
   */
  static Optional<ExportTo> exportTo(SpecReader spec) {
    List<?> values = spec.values("exportTo");
    boolean ok = true;
    for (int i = 0; i < values.size(); i++) {
      Object value = values.get(i);
      String field = "exportTo[" + i + "]";
      if (!(value instanceof String text)) {
        spec.error(field, "expected a namespace name, \".\", \"*\" or \"~\" as a string, got "
            + (value == null ? "nothing" : quote(String.valueOf(value))));
        ok = false;
      } else if (!text.equals(".") && !text.equals("*") && !text.equals("~")
          && !DNS_LABEL.matcher(text).matches()) {
        spec.error(field, "invalid exportTo " + quote(text)
            + "; expected a namespace name (a DNS label), \".\", \"*\" or \"~\"");
        ok = false;
      } else if ((text.equals("~") || text.equals("*")) && values.size() > 1) {
        spec.error(field, quote(text) + " cannot be combined with other exportTo entries");
        ok = false;
      }
    }
    return ok ? Optional.of(new ExportTo(values.stream().map(String::valueOf).toList())) : Optional.empty();
  }
}
