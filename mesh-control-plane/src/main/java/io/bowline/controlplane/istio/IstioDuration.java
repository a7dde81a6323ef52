package io.bowline.controlplane.istio;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Istio duration strings as written in YAML: Go-style units ({@code 7s}, {@code 0.5s},
 * {@code 100ms}, {@code 3m}, {@code 1h}, {@code 1m30s}, also {@code us}/{@code ns}).
 */
final class IstioDuration {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|m|s|us|µs|ns)");

  private IstioDuration() {}

  /** The duration, or {@code null} (after an error naming the field) when it cannot be read. */
  static Duration read(SpecReader owner, String key) {
    String text = owner.string(key).orElse(null);
    if (text == null) {
      return null;
    }
    Duration d = parse(text.trim());
    if (d == null) {
      owner.error(key, "invalid duration '" + text + "' (expected e.g. 7s, 0.5s, 100ms, 3m)");
    }
    return d;
  }

  static Duration parse(String text) {
    Matcher m = PART.matcher(text);
    int at = 0;
    double nanos = 0;
    while (at < text.length()) {
      if (!m.find(at) || m.start() != at) {
        return null;
      }
      double v = Double.parseDouble(m.group(1));
      switch (m.group(2)) {
        case "h": nanos += v * 3600e9; break;
        case "m": nanos += v * 60e9; break;
        case "s": nanos += v * 1e9; break;
        case "ms": nanos += v * 1e6; break;
        case "us":
        case "µs": nanos += v * 1e3; break;
        default: nanos += v; break;
      }
      at = m.end();
    }
    return at == 0 ? null : Duration.ofNanos(Math.round(nanos));
  }
}
