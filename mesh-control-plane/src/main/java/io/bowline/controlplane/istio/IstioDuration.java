package io.bowline.controlplane.istio;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Istio duration strings as written in YAML: Go-style units ({@code 7s}, {@code 0.5s},
 * {@code 100ms}, {@code 3m}, {@code 1h}, {@code 1m30s}, also {@code us}/{@code ns}). As istiod validates
 * them, a duration is at least 1 ms and a whole number of milliseconds; and at most what a protobuf
 * {@code Duration} holds.
 */
final class IstioDuration {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|m|s|us|µs|ns)");

  /** The longest duration a protobuf {@code Duration} holds: 315,576,000,000 s (10,000 years). */
  static final Duration MAX = Duration.ofSeconds(315_576_000_000L);

  /** The shortest duration istiod accepts (its {@code ValidateDuration}): 1 ms. */
  static final Duration MIN = Duration.ofMillis(1);

  private IstioDuration() {}

  /** The duration, or {@code null} (after an error naming the field) when it cannot be read. */
  static Duration read(SpecReader owner, String key) {
    String text = owner.string(key).orElse(null);
    if (text == null) {
      return null;
    }
    Duration d = parse(text.trim());
    if (d == null) {
      owner.error(key, "invalid duration " + ValueChecks.quote(text) + " (expected e.g. 7s, 0.5s, 100ms, 3m)");
    } else if (d.compareTo(MAX) > 0) {
      owner.error(key, "duration " + ValueChecks.quote(text) + " is out of range; at most "
          + MAX.getSeconds() + "s (a protobuf Duration)");
      return null;
    } else if (d.compareTo(MIN) < 0) {
      owner.error(key, "duration " + ValueChecks.quote(text) + " is shorter than 1ms, which istiod refuses");
      return null;
    } else if (d.toNanosPart() % 1_000_000 != 0) {
      owner.error(key, "duration " + ValueChecks.quote(text) + " is not a whole number of milliseconds, which "
          + "istiod requires");
      return null;
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
    if (at == 0) {
      return null;
    }
    // beyond Long nanoseconds (292 years) only the range check needs the value: seconds suffice
    return nanos < 9e18 ? Duration.ofNanos(Math.round(nanos))
        : nanos / 1e9 > MAX.getSeconds() ? MAX.plusSeconds(1) : Duration.ofSeconds((long) (nanos / 1e9));
  }
}
