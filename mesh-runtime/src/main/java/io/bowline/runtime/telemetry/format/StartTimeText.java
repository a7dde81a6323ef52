package io.bowline.runtime.telemetry.format;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * {@code %START_TIME%} as Envoy's default prints it, {@code 2024-01-31T12:34:56.789Z} in UTC, straight to ASCII bytes:
 * the text up to the second is kept from the line before and, when the second changed, computed from the epoch day
 * (no {@code DateTimeFormatter} for years 1 to 9999); the milliseconds are three digits appended. Threads that print
 * with the same format share it without a lock: the kept second is replaced whole.
 */
final class StartTimeText {
  private static final DateTimeFormatter FAR = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss", Locale.ROOT)
      .withZone(ZoneOffset.UTC);
  /**
   * {@code 0001-01-01T00:00:00Z} and {@code 10000-01-01T00:00:00Z}, in epoch seconds: the seconds computed here (the
   * pattern's {@code yyyy} is the year of the era, so earlier years print as the formatter prints them).
   */
  private static final long FIRST_SECOND = -62_135_596_800L;
  private static final long END_SECOND = 253_402_300_800L;
  private static final int SECOND_LENGTH = 19;

  /** The last second printed and its text up to the {@code .}, in ASCII. */
  private record Second(long epochSecond, byte[] ascii) {}

  private volatile Second last = new Second(Long.MIN_VALUE, new byte[0]);

  /** Prints {@code millis} (epoch milliseconds) into {@code b}. */
  void print(LineBuffer b, long millis) {
    long second = Math.floorDiv(millis, 1000);
    Second s = last;
    if (s.epochSecond != second) {
      s = new Second(second, text(second));
      last = s;
    }
    int ms = (int) Math.floorMod(millis, 1000);
    b.appendSecondAndMillis(s.ascii, ms);
  }

  /** The text of {@code second} up to the {@code .}: {@code yyyy-MM-ddTHH:mm:ss}. */
  static byte[] text(long second) {
    if (second < FIRST_SECOND || second >= END_SECOND) {
      return FAR.format(Instant.ofEpochSecond(second)).getBytes(StandardCharsets.US_ASCII);
    }
    long day = Math.floorDiv(second, 86_400);
    int secondOfDay = (int) Math.floorMod(second, 86_400);
    // the civil date of an epoch day, by 400-year eras starting on March 1st (Howard Hinnant's days_from_civil, inverted)
    long z = day + 719_468;
    long era = Math.floorDiv(z, 146_097);
    int dayOfEra = (int) (z - era * 146_097);
    int yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    int mp = (5 * dayOfYear + 2) / 153;
    int dayOfMonth = dayOfYear - (153 * mp + 2) / 5 + 1;
    int month = mp < 10 ? mp + 3 : mp - 9;
    int year = (int) (yearOfEra + era * 400) + (month <= 2 ? 1 : 0);
    byte[] t = new byte[SECOND_LENGTH];
    digits(t, 0, year / 100);
    digits(t, 2, year % 100);
    t[4] = '-';
    digits(t, 5, month);
    t[7] = '-';
    digits(t, 8, dayOfMonth);
    t[10] = 'T';
    digits(t, 11, secondOfDay / 3_600);
    t[13] = ':';
    digits(t, 14, secondOfDay / 60 % 60);
    t[16] = ':';
    digits(t, 17, secondOfDay % 60);
    return t;
  }

  private static void digits(byte[] t, int at, int twoDigits) {
    t[at] = (byte) ('0' + twoDigits / 10);
    t[at + 1] = (byte) ('0' + twoDigits % 10);
  }
}
