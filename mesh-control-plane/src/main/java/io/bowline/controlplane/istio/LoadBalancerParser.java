package io.bowline.controlplane.istio;

import io.bowline.controlplane.istio.ConsistentHash.HashKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Parses a {@code trafficPolicy.loadBalancer} ({@code LoadBalancerSettings}) of a DestinationRule or subset. */
final class LoadBalancerParser {

  private LoadBalancerParser() {}

  static LoadBalancerSettings parse(SpecReader settings) {
    settings.reportUnhandled(
        Set.of("simple", "consistentHash", "localityLbSetting", "warmupDurationSecs", "warmup"), Set.of());
    Optional<ConsistentHash> hash = settings.object("consistentHash").flatMap(LoadBalancerParser::consistentHash);
    if (hash.isPresent() && settings.has("simple")) {
      settings.error("simple", "simple and consistentHash are mutually exclusive (one of LoadBalancerSettings.lb_policy)");
    }
    return new LoadBalancerSettings(simple(settings), hash,
        settings.object("localityLbSetting").map(LoadBalancerParser::locality), warmup(settings, hash.isPresent()));
  }

  /** {@code warmup}, else {@code warmupDurationSecs}; reported when the load balancer cannot slow-start. */
  private static Optional<LoadBalancerSettings.Warmup> warmup(SpecReader settings, boolean consistentHash) {
    Optional<LoadBalancerSettings.Warmup> warmup = settings.object("warmup").map(w -> {
      w.reportUnhandled(Set.of("duration", "minimumPercent", "aggression"), Set.of());
      java.time.Duration duration = IstioDuration.read(w, "duration");
      if (duration == null && !w.has("duration")) {
        w.error("duration", "missing required field");
      }
      return new LoadBalancerSettings.Warmup(duration, number(w, "minimumPercent"), number(w, "aggression"), false);
    }).filter(w -> w.duration() != null);
    if (warmup.isEmpty() && settings.has("warmupDurationSecs")) {
      java.time.Duration duration = IstioDuration.read(settings, "warmupDurationSecs");
      warmup = Optional.ofNullable(duration).map(d -> new LoadBalancerSettings.Warmup(d, null, null, true));
    }
    String simple = settings.string("simple").orElse("UNSPECIFIED");
    if (warmup.isPresent() && (consistentHash || simple.equals("RANDOM") || simple.equals("PASSTHROUGH"))) {
      settings.warning(settings.has("warmup") ? "warmup" : "warmupDurationSecs", "warmup applies only to"
          + " ROUND_ROBIN and LEAST_REQUEST (Envoy's slow start); ignored");
      return Optional.empty();
    }
    return warmup;
  }

  private static Double number(SpecReader owner, String key) {
    Optional<String> text = owner.string(key);
    if (text.isEmpty()) {
      return null;
    }
    try {
      return Double.parseDouble(text.get());
    } catch (NumberFormatException e) {
      owner.error(key, "expected a number, got '" + ValueChecks.shorten(String.valueOf(text.get())) + "'");
      return null;
    }
  }

  private static LocalityLbSetting locality(SpecReader setting) {
    setting.reportUnhandled(Set.of("enabled", "distribute", "failover", "failoverPriority"), Set.of());
    List<LocalityLbSetting.Distribute> distribute = new ArrayList<>();
    for (SpecReader entry : setting.objects("distribute")) {
      entry.reportUnhandled(Set.of("from", "to"), Set.of());
      Map<String, Integer> to = new LinkedHashMap<>();
      entry.object("to").ifPresent(weights -> weights.keys()
          .forEach(locality -> weights.integer(locality).ifPresent(weight -> to.put(locality, weight))));
      int sum = to.values().stream().mapToInt(Integer::intValue).sum();
      if (sum != 100) {
        entry.error("to", "the weights must sum to 100, they sum to " + sum);
      }
      entry.requiredString("from").ifPresent(from -> distribute.add(new LocalityLbSetting.Distribute(from, to)));
    }
    List<LocalityLbSetting.Failover> failover = new ArrayList<>();
    for (SpecReader entry : setting.objects("failover")) {
      entry.reportUnhandled(Set.of("from", "to"), Set.of());
      Optional<String> from = entry.requiredString("from");
      Optional<String> to = entry.requiredString("to");
      if (from.isPresent() && to.isPresent()) {
        failover.add(new LocalityLbSetting.Failover(from.get(), to.get()));
      }
    }
    if (!distribute.isEmpty() && !failover.isEmpty()) {
      setting.error("distribute", "distribute and failover are mutually exclusive");
    }
    List<String> failoverPriority = setting.strings("failoverPriority");
    return new LocalityLbSetting(setting.bool("enabled").orElse(true), distribute, failover, failoverPriority);
  }

  private static LoadBalancer simple(SpecReader settings) {
    String simple = settings.string("simple").orElse("UNSPECIFIED");
    switch (simple) {
      case "ROUND_ROBIN":
        return LoadBalancer.ROUND_ROBIN;
      case "RANDOM":
        return LoadBalancer.RANDOM;
      case "UNSPECIFIED":
      case "LEAST_REQUEST":
      case "LEAST_CONN":
        return LoadBalancer.LEAST_REQUEST;
      case "PASSTHROUGH":
        settings.warning("simple", "PASSTHROUGH is not translated yet; using Istio's default LEAST_REQUEST");
        return LoadBalancer.LEAST_REQUEST;
      default:
        settings.error("simple", "unknown load balancer '" + simple
            + "' (UNSPECIFIED, ROUND_ROBIN, LEAST_REQUEST, LEAST_CONN, RANDOM, PASSTHROUGH)");
        return LoadBalancer.LEAST_REQUEST;
    }
  }

  /** The consistent hash, or empty (after an error) when no single hash key is set. */
  private static Optional<ConsistentHash> consistentHash(SpecReader hash) {
    hash.reportUnhandled(Set.of("httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName",
        "ringHash", "maglev", "minimumRingSize"), Set.of());
    List<HashKey> keys = new ArrayList<>();
    hash.string("httpHeaderName").ifPresent(name -> keys.add(new ConsistentHash.Header(name)));
    hash.object("httpCookie").ifPresent(cookie -> {
      cookie.reportUnhandled(Set.of("name", "path", "ttl"), Set.of());
      cookie.requiredString("name").ifPresent(name -> keys.add(new ConsistentHash.Cookie(
          name, cookie.string("path").orElse(""), IstioDuration.read(cookie, "ttl"))));
    });
    if (hash.bool("useSourceIp").orElse(false)) {
      keys.add(new ConsistentHash.SourceIp());
    }
    hash.string("httpQueryParameterName").ifPresent(name -> keys.add(new ConsistentHash.QueryParameter(name)));
    if (keys.size() != 1) {
      hash.error("httpHeaderName", "consistentHash needs exactly one of httpHeaderName, httpCookie, useSourceIp,"
          + " httpQueryParameterName; found " + keys.size());
      return Optional.empty();
    }
    Optional<SpecReader> ringHash = hash.object("ringHash");
    Optional<SpecReader> maglev = hash.object("maglev");
    if (ringHash.isPresent() && maglev.isPresent()) {
      hash.error("maglev", "ringHash and maglev are mutually exclusive (one of ConsistentHashLB.hash_algorithm)");
    }
    long ringSize = ringHash.map(r -> {
      r.reportUnhandled(Set.of("minimumRingSize"), Set.of());
      return (long) r.integer("minimumRingSize").orElse(0);
    }).orElse((long) hash.integer("minimumRingSize").orElse(0));
    long tableSize = maglev.map(m -> {
      m.reportUnhandled(Set.of("tableSize"), Set.of());
      return (long) m.integer("tableSize").orElse(0);
    }).orElse(0L);
    return Optional.of(new ConsistentHash(keys.get(0), maglev.isPresent() && ringHash.isEmpty(), ringSize, tableSize));
  }
}
