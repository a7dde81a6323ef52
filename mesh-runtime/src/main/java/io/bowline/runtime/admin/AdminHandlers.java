package io.bowline.runtime.admin;

import io.grpc.BindableService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Envoy's admin interface for one mesh client as plain handlers: a path and query in, an
 * {@link AdminResponse} (status, content type, body) out, with no HTTP server attached, so that the runtime's
 * {@link AdminServer}, the proxy's admin port or a Spring Actuator endpoint serve the same answers.
 *
 * <ul>
 *   <li>{@code /config_dump} — {@code envoy.admin.v3.ConfigDump} as JSON ({@code ?include_eds} adds the
 *       endpoints; {@code ?resource=}, {@code ?mask=}, {@code ?name_regex=} as {@link ConfigDumpQuery} says),
 *       secrets and sensitive fields redacted;
 *   <li>{@code /clusters} — Envoy's text lines, or {@code envoy.admin.v3.Clusters} JSON with
 *       {@code ?format=json};
 *   <li>{@code /stats} ({@code ?filter=regex}) and {@code /stats/prometheus};
 *   <li>{@code /ready} — 200 {@code LIVE} once the first configuration was applied, else 503
 *       {@code INITIALIZING}; {@code /healthz} — 200 {@code OK} while the client is open;
 *   <li>{@code /} — the mesh page (listeners → routes → clusters → endpoints, polled live); {@code /help}.
 * </ul>
 *
 * <p>Only {@code GET} and {@code HEAD} are answered (405 otherwise): nothing here changes the client. Thread-safe.
 * {@link #close()} releases the Prometheus registry it may have added to the client's composite registry.
 */
public final class AdminHandlers implements AutoCloseable {
  private static final Map<String, String> HELP = new LinkedHashMap<>();

  static {
    HELP.put("/", "the mesh page: listeners, routes, clusters and endpoints, live");
    HELP.put("/clusters", "upstream cluster status (?format=json for envoy.admin.v3.Clusters)");
    HELP.put("/config_dump", "envoy.admin.v3.ConfigDump of the xDS configuration (?include_eds adds endpoints; "
        + "?resource=<repeated field>, ?mask=<field mask>, ?name_regex=<RE2> as Envoy's)");
    HELP.put("/healthz", "200 while the client is open");
    HELP.put("/help", "this list");
    HELP.put("/ready", "200 LIVE once the first configuration was applied, else 503");
    HELP.put("/stats", "meter values, one per line (?filter=regex)");
    HELP.put("/stats/prometheus", "meters in Prometheus text format");
  }

  private final AdminSource source;
  private final StatsReport stats;
  private final byte[] page;

  /**
   * Handlers over {@code source}.
   *
   * @param source the mesh client's state
   */
  public AdminHandlers(AdminSource source) {
    this.source = source;
    this.stats = new StatsReport(source.meterRegistry(), source::flushStats);
    this.page = resource("mesh-page.html");
  }

  /**
   * Answers one request.
   *
   * @param method the HTTP method
   * @param path the request path, e.g. {@code /clusters}
   * @param rawQuery the raw (still percent-encoded) query string, or {@code null}
   * @return the answer; never throws for bad input (400 names the parameter)
   */
  public AdminResponse handle(String method, String path, String rawQuery) {
    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      return AdminResponse.text(405, "the admin interface is read-only: use GET\n");
    }
    Map<String, String> query = query(rawQuery);
    switch (path) {
      case "/", "/index.html":
        return new AdminResponse(200, "text/html; charset=UTF-8", page);
      case "/help":
        StringBuilder b = new StringBuilder("admin commands are:\n");
        HELP.forEach((p, d) -> b.append("  ").append(p).append(": ").append(d).append('\n'));
        return AdminResponse.text(200, b.toString());
      case "/healthz":
        return AdminResponse.text(200, "OK\n");
      case "/ready":
        return source.ready() ? AdminResponse.text(200, "LIVE\n") : AdminResponse.text(503, "INITIALIZING\n");
      case "/config_dump":
        return configDump(query);
      case "/clusters":
        return clusters(query.get("format"));
      case "/stats":
        return statsText(query.get("filter"));
      case "/stats/prometheus":
        String scrape = stats.prometheus();
        return scrape == null ? AdminResponse.text(404, stats.noPrometheusReason())
            : new AdminResponse(200, "text/plain; version=0.0.4; charset=utf-8",
                scrape.getBytes(StandardCharsets.UTF_8));
      default:
        return AdminResponse.text(404, "no admin command " + path + "; see /help\n");
    }
  }

  /**
   * CSDS ({@code envoy.service.status.v3.ClientStatusDiscoveryService}) over the same client, to add to a gRPC
   * server.
   *
   * @return a new service instance
   */
  public BindableService csds() {
    return new CsdsService(source);
  }

  private AdminResponse configDump(Map<String, String> query) {
    ConfigDumpQuery q;
    try {
      q = ConfigDumpQuery.of(query.get("resource"), query.get("mask"), query.get("name_regex"));
    } catch (IllegalArgumentException e) {
      return AdminResponse.text(400, e.getMessage() + "\n");
    }
    DumpPrinter printer = new DumpPrinter();
    var resources = source.resources().stream().filter(r -> q.includes(r.name())).toList();
    var dump = ConfigDumps.build(source.node(), resources, source.status().acceptedVersions(),
        query.containsKey("include_eds"), printer);
    try {
      return AdminResponse.json(printer.json(q.apply(dump, printer)) + "\n");
    } catch (ConfigDumpQuery.QueryException e) {
      return AdminResponse.text(e.status, e.getMessage() + "\n");
    }
  }

  private AdminResponse clusters(String format) {
    var snapshot = source.snapshot();
    if ("json".equals(format)) {
      DumpPrinter printer = new DumpPrinter();
      return AdminResponse.json(printer.json(ClustersReport.proto(snapshot.clusters(), source.resilience(), true))
          + "\n");
    }
    if (format != null && !format.equals("text")) {
      return AdminResponse.text(400, "/clusters: format must be text or json, got \"" + format + "\"\n");
    }
    return AdminResponse.text(200, ClustersReport.text(snapshot.clusters(), source.resilience(), true));
  }

  private AdminResponse statsText(String filter) {
    Pattern p;
    try {
      p = filter == null || filter.isEmpty() ? null : Pattern.compile(filter);
    } catch (PatternSyntaxException e) {
      return AdminResponse.text(400, "/stats: filter is not a regular expression: " + e.getDescription() + "\n");
    }
    return AdminResponse.text(200, stats.text(p));
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String part : raw.split("&")) {
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      String v = eq < 0 ? "" : part.substring(eq + 1);
      try {
        out.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException badEscape) {
        out.putIfAbsent(k, v);
      }
    }
    return out;
  }

  private static byte[] resource(String name) {
    try (InputStream in = AdminHandlers.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name + " beside " + AdminHandlers.class.getName());
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Releases the Prometheus registry added to the client's composite registry, if any. Idempotent. */
  @Override
  public void close() {
    stats.close();
  }
}
