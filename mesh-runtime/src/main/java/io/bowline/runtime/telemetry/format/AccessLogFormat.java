package io.bowline.runtime.telemetry.format;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * An Envoy access-log format, compiled once: a text format string ({@code
 * SubstitutionFormatString.text_format}) or a JSON object of format strings ({@code json_format}).
 * The supported command operators (others are refused, naming the operator):
 * {@code %START_TIME%}, {@code %REQ(X?Y):Z%}, {@code %RESP(X?Y):Z%}, {@code %REQ_WITHOUT_QUERY(X?Y):Z%},
 * {@code %RESPONSE_CODE%}, {@code %RESPONSE_FLAGS%}, {@code %RESPONSE_CODE_DETAILS%},
 * {@code %DURATION%}, {@code %RESPONSE_DURATION%}, {@code %BYTES_SENT%}, {@code %BYTES_RECEIVED%},
 * {@code %PROTOCOL%}, {@code %UPSTREAM_HOST%}, {@code %UPSTREAM_CLUSTER%}, {@code %UPSTREAM_CLUSTER_RAW%},
 * {@code %ROUTE_NAME%}, {@code %UPSTREAM_REQUEST_ATTEMPT_COUNT%}, {@code %GRPC_STATUS_NUMBER%},
 * {@code %HOSTNAME%}, {@code %DOWNSTREAM_LOCAL_ADDRESS%} and {@code %DOWNSTREAM_REMOTE_ADDRESS%} (the proxy's
 * downstream connection: {@link Exchange#downstreamLocalAddress()}; {@code -} for a client in the application's
 * process), and, always {@code -} for an exchange, {@code %CONNECTION_TERMINATION_DETAILS%},
 * {@code %UPSTREAM_TRANSPORT_FAILURE_REASON%}, {@code %UPSTREAM_LOCAL_ADDRESS%}, {@code %REQUESTED_SERVER_NAME%}. A value that is not there
 * prints {@code -} (text) or {@code null} (JSON), as Envoy's do. A TCP connection's line ({@link Connection}, a
 * {@code tcp_proxy}'s {@code access_log}) has Envoy's TCP values: {@code %RESPONSE_CODE%} 0, no headers, no
 * protocol, its bytes, duration, upstream host and cluster, flags ({@code UF}, {@code UH}, {@code UO}),
 * downstream addresses and {@code %CONNECTION_TERMINATION_DETAILS%}.
 */
public final class AccessLogFormat {
  /** Istio's default text format (meshConfig {@code accessLogFile} without {@code accessLogFormat}). */
  public static final String ISTIO_DEFAULT = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% "
      + "%PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "
      + "\"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
      + "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" "
      + "\"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER_RAW% "
      + "%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% "
      + "%REQUESTED_SERVER_NAME% %ROUTE_NAME%\n";

  private static final String HOSTNAME = hostname();
  /** The boxed response codes 0 to 599, so that a line's {@code %RESPONSE_CODE%} is captured without a box per call. */
  private static final Integer[] STATUS_CODES = new Integer[600];
  /**
   * What a value slot holds when {@link #capture(Object[], int, long[], int, Exchange, ExchangeResponse, String, long)}
   * put the value, a number, in the parallel numbers array instead of boxing it.
   */
  private static final Object NUMBER = TextLine.NUMBER;

  static {
    for (int i = 0; i < STATUS_CODES.length; i++) {
      STATUS_CODES[i] = i;
    }
  }

  /**
   * One log line's values.
   *
   * @param exchange the finished exchange
   * @param response its response head, or {@code null} when not kept
   * @param upstreamHost the last attempt's endpoint ({@code address:port}), or {@code null}
   * @param startMillis when the call started, epoch milliseconds
   */
  public record Entry(Exchange exchange, ExchangeResponse response, String upstreamHost, long startMillis,
      Connection connection) {
    /**
     * An exchange's line.
     *
     * @param exchange the finished exchange
     * @param response its response head, or {@code null} when not kept
     * @param upstreamHost the last attempt's endpoint ({@code address:port}), or {@code null}
     * @param startMillis when the call started, epoch milliseconds
     */
    public Entry(Exchange exchange, ExchangeResponse response, String upstreamHost, long startMillis) {
      this(exchange, response, upstreamHost, startMillis, null);
    }

    /** A TCP connection's line. */
    public static Entry of(Connection c) {
      return new Entry(null, null, c.upstreamHost(), c.startMillis(), c);
    }
  }

  /**
   * One TCP connection a {@code tcp_proxy} relayed (or refused), when it closed.
   *
   * @param startMillis when it was accepted, epoch milliseconds
   * @param durationNanos from accepted to closed, in nanoseconds
   * @param bytesReceived bytes read from the downstream ({@code %BYTES_RECEIVED%})
   * @param bytesSent bytes written to the downstream ({@code %BYTES_SENT%})
   * @param upstreamHost the upstream host's {@code address:port}, or {@code null} when none was chosen
   * @param cluster the cluster the {@code tcp_proxy} chose
   * @param responseFlags Envoy's response flags ({@code UF}, {@code UH}, {@code UO}), or {@code ""}
   * @param downstreamRemoteAddress the client's {@code address:port}
   * @param downstreamLocalAddress the listener's {@code address:port} the client connected to
   * @param terminationDetails why the proxy ended the connection ({@code %CONNECTION_TERMINATION_DETAILS%}), or
   *     {@code null}
   */
  public record Connection(long startMillis, long durationNanos, long bytesReceived, long bytesSent,
      String upstreamHost, String cluster, String responseFlags, String downstreamRemoteAddress,
      String downstreamLocalAddress, String terminationDetails) {}

  /**
   * One piece of a format: a literal or a command operator. An operator's value is taken in two steps, so that a
   * line can be formatted after the call, off its thread: {@link #value} reads what the call knows (a header's
   * string, a number) without formatting it, {@link #render} turns that into what the line prints.
   */
  private interface Part {
    /**
     * The raw value, or {@code null} when it is not there: for an exchange's line ({@code x} not {@code null}, with
     * its response head {@code r} or {@code null}, its last upstream host and its start in epoch milliseconds), or a
     * TCP connection's ({@code c} not {@code null}).
     */
    Object value(Exchange x, ExchangeResponse r, String upstreamHost, long startMillis, Connection c);

    /**
     * A finished exchange's raw value as {@link #value}, except that a part whose value is a number may write it to
     * {@code numbers[at]} and return {@link #NUMBER} instead of a box.
     */
    default Object capture(Exchange x, ExchangeResponse r, String upstreamHost, long startMillis, long[] numbers,
        int at) {
      return value(x, r, upstreamHost, startMillis, null);
    }

    /** What the line prints for {@code raw} (a {@link #value}), or {@code null} when it is not there. */
    default Object render(Object raw) {
      return raw;
    }

    /**
     * Prints what {@link #render} makes of {@code raw} into {@code b}, numbers and text straight to bytes.
     *
     * @return false, printing nothing, when the value is not there (null or empty)
     */
    default boolean print(LineBuffer b, Object raw) {
      Object v = render(raw);
      if (v == null) {
        return false;
      }
      if (v instanceof Long || v instanceof Integer) {
        b.append(((Number) v).longValue());
        return true;
      }
      String s = v.toString();
      b.append(s);
      return !s.isEmpty();
    }

    /**
     * Prints a finished exchange's value read straight from it: {@link #print(LineBuffer, Object)} of its
     * {@link #value}, unless the part prints a number without boxing it.
     */
    default boolean print(LineBuffer b, Exchange x, ExchangeResponse r, String upstreamHost, long startMillis) {
      return print(b, value(x, r, upstreamHost, startMillis, null));
    }
  }

  private record Literal(String text, byte[] utf8) implements Part {
    Literal(String text) {
      this(text, text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Object value(Exchange x, ExchangeResponse r, String upstreamHost, long startMillis, Connection c) {
      return text;
    }
  }

  private record Header(String operator, boolean response, String name, String alt, HeaderText text)
      implements Part {
    Header(String operator, boolean response, boolean withoutQuery, String name, String alt, int maxLength) {
      this(operator, response, name, alt, new HeaderText(withoutQuery, maxLength));
    }

    @Override
    public Object value(Exchange x, ExchangeResponse r, String upstreamHost, long startMillis, Connection c) {
      String v = lookup(x, r, name);
      return v == null && alt != null ? lookup(x, r, alt) : v;
    }

    @Override
    public Object render(Object raw) {
      return text.render((String) raw);
    }

    @Override
    public boolean print(LineBuffer b, Object raw) {
      return raw != null && text.print(b, (String) raw);
    }

    private String lookup(Exchange x, ExchangeResponse r, String n) {
      if (x == null) {
        return null; // a TCP connection has no headers
      }
      if (response) {
        return r == null ? null : r.header(n);
      }
      return x.header(n);
    }
  }

  /** Reads an operator's raw value ({@link Part#value}). */
  @FunctionalInterface
  private interface Getter {
    Object get(Exchange x, ExchangeResponse r, String upstreamHost, long startMillis, Connection c);
  }

  /**
   * An operator read by {@code get}; {@code exchangeNull}: a finished exchange never has its value (a TCP connection's
   * alone, or none in an application's process), so a call captures nothing for it.
   */
  private record Operator(String name, Getter get, boolean exchangeNull) implements Part {
    Operator(String name, Getter get) {
      this(name, get, false);
    }

    @Override
    public Object value(Exchange x, ExchangeResponse r, String upstreamHost, long startMillis, Connection c) {
      return get.get(x, r, upstreamHost, startMillis, c);
    }
  }

  /** A number of the exchange (negative: not there), printed from an exchange without a box. */
  private record Count(String name, ToLongFunction<Exchange> exchange, Function<Connection, Object> connection)
      implements Part {
    @Override
    public Object value(Exchange x, ExchangeResponse r, String upstreamHost, long startMillis, Connection c) {
      if (c != null) {
        return connection.apply(c);
      }
      long v = exchange.applyAsLong(x);
      return v < 0 ? null : (Object) v;
    }

    @Override
    public Object capture(Exchange x, ExchangeResponse r, String upstreamHost, long startMillis, long[] numbers,
        int at) {
      long v = exchange.applyAsLong(x);
      if (v < 0) {
        return null;
      }
      numbers[at] = v;
      return NUMBER;
    }

    @Override
    public boolean print(LineBuffer b, Exchange x, ExchangeResponse r, String upstreamHost, long startMillis) {
      long v = exchange.applyAsLong(x);
      if (v < 0) {
        return false;
      }
      b.append(v);
      return true;
    }
  }

  /**
   * {@code %START_TIME%}: the call's start in epoch milliseconds, printed as Envoy's default
   * ({@code 2024-01-31T12:34:56.789Z}, UTC); the text up to the second is kept from the line before.
   */
  private static final class StartTime implements Part {
    private final StartTimeText text = new StartTimeText();

    @Override
    public Object value(Exchange x, ExchangeResponse r, String upstreamHost, long startMillis, Connection c) {
      return startMillis;
    }

    @Override
    public Object capture(Exchange x, ExchangeResponse r, String upstreamHost, long startMillis, long[] numbers,
        int at) {
      numbers[at] = startMillis;
      return NUMBER;
    }

    @Override
    public Object render(Object raw) {
      LineBuffer b = new LineBuffer(24);
      print(b, raw);
      return b.toString();
    }

    @Override
    public boolean print(LineBuffer b, Object raw) {
      return print(b, null, null, null, (Long) raw);
    }

    @Override
    public boolean print(LineBuffer b, Exchange x, ExchangeResponse r, String upstreamHost, long millis) {
      text.print(b, millis);
      return true;
    }
  }

  private final String source;
  /** A text format's parts, or {@code null} for a JSON format. */
  private final Part[] text;
  /** A text format compiled for printing captured values, or {@code null} for a JSON format. */
  private final TextLine textLine;
  private final Map<String, List<Part>> json;
  private final boolean readsResponse;
  /** The command operators, in the order a line prints them: what {@link #capture} reads. */
  private final Part[] operators;
  /**
   * Per operator, what a finished exchange's capture into a queue calls: the operator, or {@code null} when an
   * exchange never has its value ({@link Operator#exchangeNull}), so the call stores a null without a call.
   */
  private final Part[] exchangeOperators;

  private AccessLogFormat(String source, List<Part> text, Map<String, List<Part>> json) {
    this.source = source;
    this.text = text == null ? null : text.toArray(new Part[0]);
    this.json = json;
    boolean resp = false;
    List<Part> ops = new ArrayList<>();
    for (List<Part> parts : json == null ? List.of(text) : json.values()) {
      for (Part p : parts) {
        resp |= p instanceof Header h && h.response();
        if (!(p instanceof Literal)) {
          ops.add(p);
        }
      }
    }
    this.readsResponse = resp;
    this.operators = ops.toArray(new Part[0]);
    this.exchangeOperators = ops.stream().map(p -> p instanceof Operator o && o.exchangeNull() ? null : p)
        .toArray(Part[]::new);
    this.textLine = text == null ? null : compile(this.text, operators);
  }

  /** The flat form of a text format's parts: per operator its kind and the literal before it. */
  private static TextLine compile(Part[] parts, Part[] operators) {
    byte[] kinds = new byte[operators.length];
    byte[][] before = new byte[operators.length][];
    HeaderText[] headers = new HeaderText[operators.length];
    TextLine.ValuePrinter[] printers = new TextLine.ValuePrinter[operators.length];
    byte[] literal = new byte[0];
    int i = 0;
    for (Part p : parts) {
      if (p instanceof Literal l) {
        literal = l.utf8();
        continue;
      }
      before[i] = literal;
      printers[i] = p::print; // not an interface of Part: the calls' capture dispatches on Part alone
      literal = new byte[0];
      if (p instanceof Header h) {
        kinds[i] = TextLine.HEADER;
        headers[i] = h.text();
      } else {
        kinds[i] = p instanceof StartTime ? TextLine.START_TIME : p instanceof Count ? TextLine.COUNT : TextLine.VALUE;
      }
      i++;
    }
    return new TextLine(kinds, before, literal, headers, printers);
  }

  /**
   * A text format.
   *
   * @param format an Envoy format string; a line without a trailing newline gets one
   * @return the compiled format
   * @throws IllegalArgumentException naming an unsupported or malformed command operator
   */
  public static AccessLogFormat text(String format) {
    String f = format.endsWith("\n") ? format : format + "\n";
    return new AccessLogFormat(format, parse(f), null);
  }

  /**
   * A JSON format: one object per line, each key's value a format string.
   *
   * @param fields keys and their format strings, in order
   * @return the compiled format
   * @throws IllegalArgumentException naming an unsupported or malformed command operator
   */
  public static AccessLogFormat json(Map<String, String> fields) {
    Map<String, List<Part>> parts = new LinkedHashMap<>();
    fields.forEach((k, v) -> parts.put(k, parse(v)));
    return new AccessLogFormat(fields.toString(), null, parts);
  }

  /** Whether a line reads response headers ({@code %RESP(X)%}). */
  public boolean readsResponse() {
    return readsResponse;
  }

  /** The line for {@code e}, newline-terminated. */
  public String format(Entry e) {
    return format(capture(e));
  }

  /**
   * What a line for {@code e} prints, read without formatting it (header strings, numbers, the start time), for
   * {@link #format(Object[])} to format later, on another thread: the call's cost of a line it does not wait for.
   *
   * @return one value per command operator, in the format's order ({@code null}: not there)
   */
  public Object[] capture(Entry e) {
    return capture(e.exchange(), e.response(), e.upstreamHost(), e.startMillis(), e.connection());
  }

  /**
   * {@link #capture(Entry)} for a finished exchange, without an entry object: what a call's thread pays per line.
   *
   * @param exchange the finished exchange
   * @param response its response head, or {@code null} when not kept
   * @param upstreamHost the last attempt's endpoint ({@code address:port}), or {@code null}
   * @param startMillis when the call started, epoch milliseconds
   * @return one value per command operator, in the format's order ({@code null}: not there)
   */
  public Object[] capture(Exchange exchange, ExchangeResponse response, String upstreamHost, long startMillis) {
    return capture(exchange, response, upstreamHost, startMillis, null);
  }

  private Object[] capture(Exchange x, ExchangeResponse r, String upstreamHost, long startMillis, Connection c) {
    Object[] values = new Object[operators.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = operators[i].value(x, r, upstreamHost, startMillis, c);
    }
    return values;
  }

  /** How many values a line captures: one per command operator. */
  public int width() {
    return operators.length;
  }

  /**
   * {@link #capture(Exchange, ExchangeResponse, String, long)} into a queue's arrays rather than an array of its own:
   * the line's {@link #width()} values go to {@code values[at]} onwards, and its numbers (the start time, durations,
   * byte counts) unboxed to {@code numbers[numbersAt]} onwards, in order, each number's value slot holding a marker.
   * Nothing is allocated: what a call's thread pays per line, into a queue whose lock it holds.
   *
   * @param values where the values go; room for {@link #width()} from {@code at}
   * @param at the first value slot
   * @param numbers where the numbers go; room for {@link #width()} from {@code numbersAt}
   * @param numbersAt the first number slot
   * @param exchange the finished exchange
   * @param response its response head, or {@code null} when not kept
   * @param upstreamHost the last attempt's endpoint ({@code address:port}), or {@code null}
   * @param startMillis when the call started, epoch milliseconds
   * @return how many numbers it wrote (what {@link #print(LineBuffer, Object[], int, long[], int)} reads back)
   */
  public int capture(Object[] values, int at, long[] numbers, int numbersAt, Exchange exchange,
      ExchangeResponse response, String upstreamHost, long startMillis) {
    return capture(values, at, numbers, numbersAt, exchange, response, upstreamHost, startMillis, null, 0, 0);
  }

  /**
   * {@link #capture(Object[], int, long[], int, Exchange, ExchangeResponse, String, long)}, flat: a text format's
   * line holds no object the call made when it can be helped. A value equal to the one the print last repeated is
   * captured as that instance (a path or an authority a call made anew), and the request id the call generated as
   * the two halves of its UUID in {@code numbers} rather than as its string. The flush thread, on another core,
   * then reads the queue's own arrays and strings it printed before, not the strings the calls' threads wrote.
   *
   * @param values where the values go; room for {@link #width()} from {@code at}
   * @param at the first value slot
   * @param numbers where the numbers go; room for twice {@link #width()} from {@code numbersAt}
   * @param numbersAt the first number slot
   * @param exchange the finished exchange
   * @param response its response head, or {@code null} when not kept
   * @param upstreamHost the last attempt's endpoint ({@code address:port}), or {@code null}
   * @param startMillis when the call started, epoch milliseconds
   * @param requestId the {@code x-request-id} the mesh generated for the call (the very instance it set), or
   *     {@code null} when it kept the request's own
   * @param requestIdHigh the generated id's UUID's most significant 64 bits
   * @param requestIdLow its least significant 64 bits
   * @return how many numbers it wrote (what {@link #print(LineBuffer, Object[], int, long[], int)} reads back)
   */
  public int capture(Object[] values, int at, long[] numbers, int numbersAt, Exchange exchange,
      ExchangeResponse response, String upstreamHost, long startMillis, String requestId, long requestIdHigh,
      long requestIdLow) {
    int n = numbersAt;
    Part[] ops = exchangeOperators;
    TextLine line = textLine;
    for (int i = 0; i < ops.length; i++) {
      Part p = ops[i];
      if (p == null) {
        values[at + i] = null;
        continue;
      }
      Object v = p.capture(exchange, response, upstreamHost, startMillis, numbers, n);
      if (v == NUMBER) {
        n++;
      } else if (line != null && v instanceof String s) {
        if (s == requestId && line.printsWhole(i)) {
          numbers[n] = requestIdHigh;
          numbers[n + 1] = requestIdLow;
          n += 2;
          v = TextLine.UUID;
        } else {
          v = line.same(i, s);
        }
      }
      values[at + i] = v;
    }
    return n - numbersAt;
  }

  /**
   * Prints the line for values {@link #capture(Object[], int, long[], int, Exchange, ExchangeResponse, String, long)}
   * put in a queue's arrays, newline-terminated, into {@code b} as UTF-8.
   *
   * @return how many numbers it read from {@code numbers}
   */
  public int print(LineBuffer b, Object[] values, int at, long[] numbers, int numbersAt) {
    if (json != null) {
      Object[] boxed = new Object[operators.length];
      int n = numbersAt;
      for (int i = 0; i < boxed.length; i++) {
        Object v = values[at + i];
        boxed[i] = v == NUMBER ? (Object) numbers[n++] : v;
      }
      printJson(b, boxed);
      return n - numbersAt;
    }
    return textLine.print(b, values, at, numbers, numbersAt);
  }

  /** The line for values {@link #capture} read, newline-terminated. */
  public String format(Object[] values) {
    LineBuffer b = new LineBuffer(256);
    print(b, values);
    return b.toString();
  }

  /**
   * Prints the line for values {@link #capture} read, newline-terminated, into {@code b} as UTF-8: a text format's
   * literals and values go straight to bytes, without a string per value or per line.
   */
  public void print(LineBuffer b, Object[] values) {
    if (json != null) {
      printJson(b, values);
    } else {
      print(b, values, 0, null, 0);
    }
  }

  /**
   * Prints the line for a finished exchange, newline-terminated, into {@code b} as UTF-8, reading each value as it
   * prints it: no array of captured values, no string per value (a JSON format captures, then prints).
   *
   * @param exchange the finished exchange
   * @param response its response head, or {@code null} when not kept
   * @param upstreamHost the last attempt's endpoint ({@code address:port}), or {@code null}
   * @param startMillis when the call started, epoch milliseconds
   */
  public void print(LineBuffer b, Exchange exchange, ExchangeResponse response, String upstreamHost,
      long startMillis) {
    if (json != null) {
      printJson(b, capture(exchange, response, upstreamHost, startMillis));
      return;
    }
    for (Part p : text) {
      if (p instanceof Literal l) {
        b.append(l.utf8());
      } else if (!p.print(b, exchange, response, upstreamHost, startMillis)) {
        b.append('-');
      }
    }
  }

  private void printJson(LineBuffer b, Object[] values) {
    int next = 0;
    b.append('{');
    boolean first = true;
    for (Map.Entry<String, List<Part>> f : json.entrySet()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append('"');
      escape(b, f.getKey()).append('"').append(':');
      List<Part> parts = f.getValue();
      if (parts.size() == 1 && !(parts.get(0) instanceof Literal)) {
        Object v = parts.get(0).render(values[next++]);
        if (v == null || (v instanceof String s && s.isEmpty())) {
          b.append("null");
        } else if (v instanceof Number n) {
          b.append(n.toString());
        } else {
          b.append('"');
          escape(b, v.toString()).append('"');
        }
      } else {
        b.append('"');
        for (Part p : parts) {
          Object v = p instanceof Literal l ? l.text() : p.render(values[next++]);
          escape(b, v == null ? "-" : v.toString());
        }
        b.append('"');
      }
    }
    b.append('}').append('\n');
  }

  /** Prints {@code s} as the inside of a JSON string. */
  private static LineBuffer escape(LineBuffer b, String s) {
    int run = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String escaped = switch (c) {
        case '"' -> "\\\"";
        case '\\' -> "\\\\";
        case '\n' -> "\\n";
        case '\r' -> "\\r";
        case '\t' -> "\\t";
        default -> c < 0x20 ? String.format(Locale.ROOT, "\\u%04x", (int) c) : null;
      };
      if (escaped != null) {
        b.append(s, run, i).append(escaped);
        run = i + 1;
      }
    }
    return b.append(s, run, s.length());
  }

  private static List<Part> parse(String f) {
    List<Part> parts = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    int i = 0;
    while (i < f.length()) {
      char c = f.charAt(i);
      if (c != '%') {
        lit.append(c);
        i++;
        continue;
      }
      if (i + 1 < f.length() && f.charAt(i + 1) == '%') {
        lit.append('%');
        i += 2;
        continue;
      }
      int end = operatorEnd(f, i + 1);
      if (end < 0) {
        throw new IllegalArgumentException("access log format: unterminated command operator at position " + i
            + " in \"" + f.strip() + "\"");
      }
      if (lit.length() > 0) {
        parts.add(new Literal(lit.toString()));
        lit.setLength(0);
      }
      parts.add(operator(f.substring(i + 1, end)));
      i = end + 1;
    }
    if (lit.length() > 0) {
      parts.add(new Literal(lit.toString()));
    }
    return parts;
  }

  /** The index of the {@code %} closing the operator starting at {@code from} (parentheses may hold {@code %}). */
  private static int operatorEnd(String f, int from) {
    int depth = 0;
    for (int i = from; i < f.length(); i++) {
      char c = f.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == '%' && depth == 0) {
        return i;
      }
    }
    return -1;
  }

  private static Part operator(String op) {
    int paren = op.indexOf('(');
    if (paren > 0) {
      String name = op.substring(0, paren);
      int close = op.lastIndexOf(')');
      if (close < paren) {
        throw new IllegalArgumentException("access log format: malformed command operator %" + op + "%");
      }
      String arg = op.substring(paren + 1, close);
      String rest = op.substring(close + 1);
      int max = -1;
      if (rest.startsWith(":")) {
        try {
          max = Integer.parseInt(rest.substring(1));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("access log format: %" + op + "% has a bad length '" + rest.substring(1)
              + "'");
        }
      } else if (!rest.isEmpty()) {
        throw new IllegalArgumentException("access log format: malformed command operator %" + op + "%");
      }
      int q = arg.indexOf('?');
      String main = (q < 0 ? arg : arg.substring(0, q)).toLowerCase(Locale.ROOT);
      String alt = q < 0 ? null : arg.substring(q + 1).toLowerCase(Locale.ROOT);
      return switch (name) {
        case "REQ" -> new Header(op, false, false, main, alt, max);
        case "REQ_WITHOUT_QUERY" -> new Header(op, false, true, main, alt, max);
        case "RESP" -> new Header(op, true, false, main, alt, max);
        case "START_TIME" -> throw new IllegalArgumentException(
            "access log format: %START_TIME(...)% with a format is not supported; use %START_TIME%");
        default -> throw unsupported(op);
      };
    }
    return switch (op) {
      case "START_TIME" -> new StartTime();
      case "RESPONSE_CODE" -> either(op, x -> status(x.status()), c -> 0);
      case "RESPONSE_FLAGS" -> either(op, Exchange::responseFlags, Connection::responseFlags);
      case "RESPONSE_CODE_DETAILS" -> either(op, x -> x.status() == 0 ? null
          : x.localResponse() ? "local_reply" : "via_upstream", c -> null);
      case "DURATION" -> new Count(op, x -> millisOrNegative(x.durationNanos()), c -> millis(c.durationNanos()));
      case "RESPONSE_DURATION" -> new Count(op, x -> millisOrNegative(x.responseHeadersNanos()), c -> null);
      case "BYTES_SENT" -> new Count(op, x -> Math.max(0, x.responseBodyBytes()), Connection::bytesSent);
      case "BYTES_RECEIVED" -> new Count(op, x -> Math.max(0, x.requestBodyBytes()), Connection::bytesReceived);
      case "PROTOCOL" -> either(op, x -> "grpc".equals(x.protocol()) ? "HTTP/2" : "HTTP/1.1", c -> null);
      case "UPSTREAM_HOST" -> new Operator(op, (x, r, host, start, c) -> host);
      case "UPSTREAM_CLUSTER", "UPSTREAM_CLUSTER_RAW" -> either(op, Exchange::clusterName, Connection::cluster);
      case "ROUTE_NAME" -> either(op, Exchange::routeName, c -> null);
      case "UPSTREAM_REQUEST_ATTEMPT_COUNT" -> either(op, Exchange::attempts, c -> null);
      case "GRPC_STATUS_NUMBER" -> either(op, x -> x.grpcStatus() < 0 ? null : (Object) x.grpcStatus(), c -> null);
      case "HOSTNAME" -> new Operator(op, (x, r, host, start, c) -> HOSTNAME);
      case "CONNECTION_TERMINATION_DETAILS" -> connectionOnly(op, Connection::terminationDetails);
      case "DOWNSTREAM_LOCAL_ADDRESS" -> either(op, x -> x == null ? null : x.downstreamLocalAddress(),
          Connection::downstreamLocalAddress);
      case "DOWNSTREAM_REMOTE_ADDRESS" -> either(op, x -> x == null ? null : x.downstreamRemoteAddress(),
          Connection::downstreamRemoteAddress);
      case "UPSTREAM_TRANSPORT_FAILURE_REASON", "UPSTREAM_LOCAL_ADDRESS", "REQUESTED_SERVER_NAME" ->
          connectionOnly(op, c -> null);
      default -> throw unsupported(op);
    };
  }

  /** An operator read from the exchange, or for a TCP connection's line from the connection. */
  private static Operator either(String op, Function<Exchange, Object> exchange,
      Function<Connection, Object> connection) {
    return new Operator(op, (x, r, host, start, c) -> c != null ? connection.apply(c) : exchange.apply(x));
  }

  /** An operator whose value only a TCP connection's line has: an exchange's prints {@code -}. */
  private static Operator connectionOnly(String op, Function<Connection, Object> connection) {
    return new Operator(op, (x, r, host, start, c) -> c != null ? connection.apply(c) : null, true);
  }

  /** {@code code} boxed, without an allocation for Envoy's codes (0 to 599). */
  private static Object status(int code) {
    return code >= 0 && code < STATUS_CODES.length ? STATUS_CODES[code] : (Object) code;
  }

  private static long millisOrNegative(long nanos) {
    return nanos < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static Object millis(long nanos) {
    return nanos < 0 ? null : (Object) TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static IllegalArgumentException unsupported(String op) {
    return new IllegalArgumentException("access log format: command operator %" + op + "% is not supported");
  }

  private static String hostname() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "-";
    }
  }

  @Override
  public String toString() {
    return "AccessLogFormat{" + source.strip() + "}";
  }
}
