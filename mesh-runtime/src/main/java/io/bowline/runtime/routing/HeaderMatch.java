package io.bowline.runtime.routing;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.HeaderMatcher;

/**
 * A compiled Envoy {@code HeaderMatcher}. Multi-valued headers are joined with {@code ","}.
 * A value matcher on a missing header does not match, even inverted, unless
 * {@code treat_missing_header_as_empty} is set (then the value is {@code ""}). {@code range_match}
 * is half-open and needs the whole value to be a base-10 integer.
 */
public final class HeaderMatch {
  private final String name;
  private final StringMatch value;
  private final Boolean present;
  private final io.bowline.api.config.Int64Range range;
  private final boolean invert;
  private final boolean missingAsEmpty;

  public HeaderMatch(HeaderMatcher m) {
    this.name = m.name();
    this.value = m.stringMatch() == null ? null : StringMatch.compile(m.stringMatch());
    this.present = m.presentMatch();
    this.range = m.rangeMatch();
    this.invert = m.invertMatch();
    this.missingAsEmpty = m.treatMissingHeaderAsEmpty();
  }

  public boolean matches(MeshRequest request) {
    String v = request.header(name);
    if (present != null) {
      return (v != null) == present != invert;
    }
    if (v == null) {
      if (!missingAsEmpty) {
        return false;
      }
      v = "";
    }
    boolean matched = range != null ? inRange(v) : value.matches(v);
    return matched != invert;
  }

  /** {@code range_match}: the whole value is a base-10 integer (optional sign) in [start, end). */
  private boolean inRange(String v) {
    try {
      return range.contains(Long.parseLong(v));
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
