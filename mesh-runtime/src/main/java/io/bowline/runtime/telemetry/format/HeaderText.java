package io.bowline.runtime.telemetry.format;

/**
 * How a header operator ({@code %REQ(X?Y):Z%}, {@code %RESP(X?Y):Z%}, {@code %REQ_WITHOUT_QUERY(X?Y):Z%}) prints its
 * value: without the query for {@code REQ_WITHOUT_QUERY}, cut to {@code Z} characters when a length is given, a value
 * repeated from the line before copied as the bytes it encoded to.
 */
final class HeaderText {
  private final boolean withoutQuery;
  private final int maxLength;
  private final RepeatedText repeated = new RepeatedText();

  /**
   * @param withoutQuery whether the value's query ({@code ?} onwards) is left out
   * @param maxLength the most characters printed, or negative for all
   */
  HeaderText(boolean withoutQuery, int maxLength) {
    this.withoutQuery = withoutQuery;
    this.maxLength = maxLength;
  }

  /** The value last repeated, whose bytes a line copies. */
  RepeatedText repeated() {
    return repeated;
  }

  /** Whether a value of {@code length} characters without a {@code ?} prints whole (is not cut to a length). */
  boolean printsWhole(int length) {
    return maxLength < 0 || maxLength >= length;
  }

  /** The value as the line prints it, or {@code null} when it is not there. */
  String render(String v) {
    if (v != null && withoutQuery) {
      int q = v.indexOf('?');
      v = q < 0 ? v : v.substring(0, q);
    }
    return v != null && maxLength >= 0 && v.length() > maxLength ? v.substring(0, maxLength) : v;
  }

  /**
   * Prints {@code v} into {@code b} as UTF-8.
   *
   * @return false when it printed nothing (the value, as printed, is empty)
   */
  boolean print(LineBuffer b, String v) {
    int end = v.length();
    if (withoutQuery) {
      int q = v.indexOf('?');
      end = q < 0 ? end : q;
    }
    end = maxLength >= 0 ? Math.min(end, maxLength) : end;
    if (end == v.length()) {
      repeated.print(b, v);
    } else {
      b.append(v, 0, end);
    }
    return end > 0;
  }
}
