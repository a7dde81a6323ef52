package io.bowline.runtime.routing;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.HeaderMatcher;

/**
 * A compiled Envoy {@code HeaderMatcher}. Multi-valued headers are joined with {@code ","}.
 * A value matcher on a missing header does not match, even inverted, unless
 * {@code treat_missing_header_as_empty} is set (then the value is {@code ""}).
 */
public final class HeaderMatch {
  private final String name;
  private final StringMatch value;
  private final Boolean present;
  private final boolean invert;
  private final boolean missingAsEmpty;

  public HeaderMatch(HeaderMatcher m) {
    this.name = m.name();
    this.value = m.stringMatch() == null ? null : StringMatch.compile(m.stringMatch());
    this.present = m.presentMatch();
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
    return value.matches(v) != invert;
  }
}
