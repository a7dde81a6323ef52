package io.bowline.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The header fields of a received HTTP/1.1 head, as offsets into one copy of its bytes: read one
 * field at a time without a header map. Names compare case-insensitively (ASCII); values are
 * ISO-8859-1, without the optional whitespace around them. Immutable.
 */
public final class Http1Fields {
  private final byte[] bytes;
  /** Per field: name start, name end, value start, value end, into {@link #bytes}. */
  private final int[] at;
  private final int count;

  /** A field line that breaks RFC 9112 §5: {@link #getMessage()} says how; {@link #tooMany} for the count limit. */
  static final class Malformed extends Exception {
    final boolean tooMany;

    Malformed(String reason, boolean tooMany) {
      super(reason, null, false, false);
      this.tooMany = tooMany;
    }
  }

  /** RFC 9110's {@code tchar}, by unsigned byte: what a field name is made of. */
  private static final boolean[] NAME = new boolean[256];
  /** What a field value may hold (RFC 9110 §5.5): HTAB, SP, VCHAR, obs-text; not CR, the other CTLs, DEL. */
  private static final boolean[] VALUE = new boolean[256];

  static {
    for (int c = 0; c < 128; c++) {
      NAME[c] = Http1RequestDecoder.tchar((char) c);
    }
    for (int c = 0; c < 256; c++) {
      VALUE[c] = c == '\t' || c >= 0x20 && c != 0x7f;
    }
  }

  /** {@link #parse(byte[], int, int, int)} for a block whose lines were not counted. */
  static Http1Fields parse(byte[] b, int from, int maxFields) throws Malformed {
    return parse(b, from, maxFields, 8);
  }

  /**
   * Parses the field lines of {@code b} from {@code from} (each ending CRLF, the block's empty line
   * not included): a name that is a token right before its colon, a value without control
   * characters (HTAB and obs-text allowed), no obs-fold, no bare CR, at most {@code maxFields}.
   * {@code lines}: how many field lines the caller counted while it found the block's end (the
   * offsets' array is sized by it, and grows if it was too few).
   */
  static Http1Fields parse(byte[] b, int from, int maxFields, int lines) throws Malformed {
    int[] at = new int[4 * Math.max(1, Math.min(lines, maxFields))];
    int count = 0;
    int i = from;
    int n = b.length;
    while (i < n) {
      int ns = i;
      while (i < n && NAME[b[i] & 0xff]) {
        i++;
      }
      if (i == ns || i >= n || b[i] != ':') {
        if (i == ns && (b[i] == ' ' || b[i] == '\t')) {
          throw new Malformed("obs-fold (a line starting with whitespace)", false);
        }
        throw new Malformed(i == ns ? "empty header name or no colon" : "invalid header name (not a token, or whitespace before the colon)", false);
      }
      int ne = i++;
      while (b[i] == ' ' || b[i] == '\t') {
        i++;
      }
      int vs = i;
      while (VALUE[b[i] & 0xff]) {
        i++;
      }
      if (b[i] != '\r') {
        throw new Malformed("control character in a header value", false);
      }
      if (b[i + 1] != '\n') {
        throw new Malformed("bare CR in a header line", false);
      }
      int ve = i;
      while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
        ve--;
      }
      i += 2;
      if (count == maxFields) {
        throw new Malformed("more than " + maxFields + " header fields", true);
      }
      int k = 4 * count;
      if (k == at.length) {
        at = Arrays.copyOf(at, 2 * k);
      }
      at[k] = ns;
      at[k + 1] = ne;
      at[k + 2] = vs;
      at[k + 3] = ve;
      count++;
    }
    return new Http1Fields(b, at, count);
  }

  Http1Fields(byte[] bytes, int[] at, int count) {
    this.bytes = bytes;
    this.at = at;
    this.count = count;
  }

  /** The number of fields. */
  public int count() {
    return count;
  }

  /** Whether field {@code i}'s name is {@code lowerName} (ASCII lower case), ignoring case. */
  public boolean nameIs(int i, String lowerName) {
    return at[4 * i + 1] - at[4 * i] == lowerName.length() && nameStartsWith(i, lowerName);
  }

  /** Whether field {@code i}'s name starts with {@code lowerPrefix} (ASCII lower case), ignoring case. */
  public boolean nameStartsWith(int i, String lowerPrefix) {
    return at[4 * i + 1] - at[4 * i] >= lowerPrefix.length() && regionIs(at[4 * i], lowerPrefix);
  }

  /** Whether field {@code i}'s value, a comma-separated list, holds {@code lower}, ignoring case. */
  public boolean valueHasToken(int i, String lower) {
    int e = at[4 * i + 3];
    int k = at[4 * i + 2];
    while (k < e) {
      while (k < e && (bytes[k] == ' ' || bytes[k] == '\t' || bytes[k] == ',')) {
        k++;
      }
      int ts = k;
      while (k < e && bytes[k] != ',' && bytes[k] != ' ' && bytes[k] != '\t') {
        k++;
      }
      if (k - ts == lower.length() && regionIs(ts, lower)) {
        return true;
      }
    }
    return false;
  }

  /** Whether field {@code i}'s value is {@code lower}, ignoring case. */
  public boolean valueIs(int i, String lower) {
    int s = at[4 * i + 2];
    return at[4 * i + 3] - s == lower.length() && regionIs(s, lower);
  }

  private boolean regionIs(int s, String lower) {
    for (int k = 0; k < lower.length(); k++) {
      int b = bytes[s + k];
      if (b >= 'A' && b <= 'Z') {
        b += 32;
      }
      if (b != lower.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** Field {@code i}'s value as a number when it is 1 to 18 ASCII digits (a plain Content-Length), else -1. */
  public long digits(int i) {
    int s = at[4 * i + 2];
    int e = at[4 * i + 3];
    if (e == s || e - s > 18) {
      return -1;
    }
    long n = 0;
    for (int k = s; k < e; k++) {
      int d = bytes[k] - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      n = n * 10 + d;
    }
    return n;
  }

  /** Field {@code i}'s name, as received. */
  public String name(int i) {
    return new String(bytes, at[4 * i], at[4 * i + 1] - at[4 * i], StandardCharsets.ISO_8859_1);
  }

  /** Field {@code i}'s value. */
  public String value(int i) {
    return new String(bytes, at[4 * i + 2], at[4 * i + 3] - at[4 * i + 2], StandardCharsets.ISO_8859_1);
  }

  /** Field {@code i}'s name as a view of the received bytes (no copy). */
  public AsciiString nameView(int i) {
    return new AsciiString(bytes, at[4 * i], at[4 * i + 1] - at[4 * i], false);
  }

  /** Field {@code i}'s value as a view of the received bytes (no copy). */
  public AsciiString valueView(int i) {
    return new AsciiString(bytes, at[4 * i + 2], at[4 * i + 3] - at[4 * i + 2], false);
  }

  /** The first value of {@code lowerName} (ASCII lower case), or {@code null}. */
  public String get(String lowerName) {
    for (int i = 0; i < count; i++) {
      if (nameIs(i, lowerName)) {
        return value(i);
      }
    }
    return null;
  }

  /** Every value of {@code lowerName}, in order (empty when absent). */
  public List<String> getAll(String lowerName) {
    List<String> values = List.of();
    for (int i = 0; i < count; i++) {
      if (nameIs(i, lowerName)) {
        if (values.isEmpty()) {
          values = List.of(value(i));
        } else {
          List<String> more = new ArrayList<>(values);
          more.add(value(i));
          values = more;
        }
      }
    }
    return values;
  }

  /** The values of {@code lowerName} joined with commas (RFC 9110 §5.3), or {@code null} when absent. */
  public String joined(String lowerName) {
    List<String> values = getAll(lowerName);
    return values.isEmpty() ? null : values.size() == 1 ? values.get(0) : String.join(",", values);
  }

  /** Writes field {@code i} as a header line ({@code name: value CRLF}), its bytes as received. */
  public void writeField(int i, ByteBuf out) {
    int ns = at[4 * i];
    out.writeBytes(bytes, ns, at[4 * i + 1] - ns);
    out.writeByte(':').writeByte(' ');
    int vs = at[4 * i + 2];
    out.writeBytes(bytes, vs, at[4 * i + 3] - vs);
    out.writeShort(Http1Bytes.CRLF);
  }

  /** An upper bound of the bytes {@link #writeField} writes for every field. */
  public int size() {
    return bytes.length + 2 * count;
  }

  /** The fields as a new Netty header map ({@code trailers}: a trailer section's). */
  HttpHeaders toMap(boolean trailers) {
    DefaultHttpHeadersFactory f = trailers ? DefaultHttpHeadersFactory.trailersFactory() : DefaultHttpHeadersFactory.headersFactory();
    HttpHeaders h = f.withValidation(false).newHeaders();
    for (int i = 0; i < count; i++) {
      h.add(name(i), value(i));
    }
    return h;
  }
}
