package io.bowline.runtime.telemetry.format;

/**
 * A text format compiled for printing captured values, flat: per command operator its kind and the literal bytes
 * before it, and the literal after the last one. The print dispatches on the kind in a {@code switch} and on the
 * value's class (strings, unboxed numbers, boxed integers) without a call per operator; a value of another class
 * prints through its operator ({@link ValuePrinter}). A captured line may hold, instead of a value, a marker whose
 * value is in the queue's numbers: {@link #NUMBER} (one number) or {@link #UUID} (a UUID's two halves), so that the
 * print reads the queue's own arrays and no object the call made.
 */
final class TextLine {
  /** A value slot whose value, a number, is the next of the line's numbers. */
  static final Object NUMBER = new Object();
  /**
   * A value slot whose value is a UUID in its text form ({@code x-request-id}), captured as the next two of the line's
   * numbers: its most and least significant 64 bits.
   */
  static final Object UUID = new Object();
  /** A UUID's text form's length. */
  static final int UUID_LENGTH = 36;
  /** {@code %START_TIME%}. */
  static final byte START_TIME = 0;
  /** A number of the exchange ({@code %DURATION%}, {@code %BYTES_SENT%}, …), captured unboxed. */
  static final byte COUNT = 1;
  /** A header's value ({@code %REQ(X?Y):Z%} and its kin). */
  static final byte HEADER = 2;
  /** Any other operator: a string or a number, printed as it is. */
  static final byte VALUE = 3;

  /** Prints a value of a class the line's switch does not know. */
  interface ValuePrinter {
    /**
     * Prints {@code raw} into {@code b}.
     *
     * @return false, printing nothing, when the value is not there (null or empty)
     */
    boolean print(LineBuffer b, Object raw);
  }

  private final byte[] kinds;
  private final byte[][] before;
  private final byte[] after;
  private final HeaderText[] headers;
  private final ValuePrinter[] operators;
  private final StartTimeText startTime = new StartTimeText();
  /** Per operator, its last repeated string value (a {@link #VALUE}'s; a header's is its {@link HeaderText}'s). */
  private final RepeatedText[] repeated;
  /** Per operator, whether it prints a string value whole, so that a UUID may be captured as {@link #UUID}. */
  private final boolean[] whole;

  /**
   * @param kinds per operator, its kind
   * @param before per operator, the literal's UTF-8 bytes before it (empty when none)
   * @param after the literal's UTF-8 bytes after the last operator
   * @param headers per operator, how a {@link #HEADER} prints ({@code null} for other kinds)
   * @param operators per operator, how it prints a value of another class
   */
  TextLine(byte[] kinds, byte[][] before, byte[] after, HeaderText[] headers, ValuePrinter[] operators) {
    this.kinds = kinds;
    this.before = before;
    this.after = after;
    this.headers = headers;
    this.operators = operators;
    this.repeated = new RepeatedText[kinds.length];
    this.whole = new boolean[kinds.length];
    for (int i = 0; i < kinds.length; i++) {
      repeated[i] = kinds[i] == HEADER ? headers[i].repeated() : new RepeatedText();
      whole[i] = kinds[i] == VALUE || kinds[i] == HEADER && headers[i].printsWhole(UUID_LENGTH);
    }
  }

  /**
   * What a call captures for operator {@code i}'s string value {@code v}: the instance the print kept when it is
   * equal to {@code v} (a value repeated from call to call, such as a path or an authority, made anew by each call),
   * so that the print finds it by identity and reads nothing the call's thread wrote; else {@code v}.
   */
  String same(int i, String v) {
    return repeated[i].same(v);
  }

  /** Whether operator {@code i} prints a string of {@value #UUID_LENGTH} characters whole. */
  boolean printsWhole(int i) {
    return whole[i];
  }

  /**
   * Prints the line for the captured values from {@code values[at]} (numbers captured unboxed, marked {@link #NUMBER}
   * or {@link #UUID}, from {@code numbers[numbersAt]}), newline-terminated, into {@code b} as UTF-8.
   *
   * @return how many numbers it read
   */
  int print(LineBuffer b, Object[] values, int at, long[] numbers, int numbersAt) {
    int n = numbersAt;
    for (int i = 0; i < kinds.length; i++) {
      b.appendLiteral(before[i]);
      Object v = values[at + i];
      if (v == null) {
        b.append('-');
      } else if (v == NUMBER) {
        long x = numbers[n++];
        if (kinds[i] == START_TIME) {
          startTime.print(b, x);
        } else {
          b.append(x);
        }
      } else if (v == UUID) {
        b.appendUuid(numbers[n], numbers[n + 1]);
        n += 2;
      } else if (!printValue(b, i, v)) {
        b.append('-');
      }
    }
    b.appendLiteral(after);
    return n - numbersAt;
  }

  private boolean printValue(LineBuffer b, int i, Object v) {
    switch (kinds[i]) {
      case HEADER:
        return v instanceof String s ? headers[i].print(b, s) : operators[i].print(b, v);
      case START_TIME:
        if (v instanceof Long millis) {
          startTime.print(b, millis);
          return true;
        }
        return operators[i].print(b, v);
      default:
        if (v instanceof String s) {
          repeated[i].print(b, s);
          return !s.isEmpty();
        }
        if (v instanceof Integer x) {
          b.append(x.intValue());
          return true;
        }
        if (v instanceof Long x) {
          b.append(x.longValue());
          return true;
        }
        return operators[i].print(b, v);
    }
  }
}
