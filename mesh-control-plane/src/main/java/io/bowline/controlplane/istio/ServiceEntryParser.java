package io.bowline.controlplane.istio;

import io.bowline.controlplane.istio.ServiceEntry.Resolution;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** Parses the {@code spec} of an Istio {@code ServiceEntry}. */
final class ServiceEntryParser {

  private static final Set<String> HANDLED =
      Set.of("hosts", "ports", "resolution", "endpoints", "workloadSelector", "exportTo", "location");
  private static final Set<String> IGNORED = Set.of("addresses");
  private static final Set<String> PORT_FIELDS = Set.of("number", "name", "protocol", "targetPort");

  private ServiceEntryParser() {}

  /** Returns the entry, or empty (after an error) when {@code hosts} or {@code ports} is missing. */
  static Optional<ServiceEntry> parse(SpecReader spec) {
    spec.reportUnhandled(HANDLED, IGNORED);
    List<String> hosts = spec.strings("hosts");
    if (hosts.isEmpty()) {
      spec.error("hosts", "missing required field (at least one host)");
    }
    List<ServicePort> ports = ports(spec);
    if (hosts.isEmpty() || ports.isEmpty()) {
      return Optional.empty();
    }
    List<WorkloadEndpoint> endpoints = new ArrayList<>();
    for (SpecReader endpoint : spec.objects("endpoints")) {
      WorkloadEndpointParser.parse(endpoint).ifPresent(endpoints::add);
    }
    Optional<Map<String, String>> selector = spec.object("workloadSelector").map(s -> {
      s.reportUnhandled(Set.of("labels"), Set.of());
      return s.stringMap("labels");
    });
    return Optional.of(new ServiceEntry(spec.ref(), hosts, ports, resolution(spec), endpoints, selector,
        meshExternal(spec)));
  }

  /** {@code location}: {@code MESH_EXTERNAL}, or {@code MESH_INTERNAL} (Istio's default). */
  private static boolean meshExternal(SpecReader spec) {
    Optional<String> value = spec.string("location");
    if (value.isEmpty() || value.get().equals("MESH_INTERNAL")) {
      return false;
    }
    if (value.get().equals("MESH_EXTERNAL")) {
      return true;
    }
    spec.error("location", "unknown location '" + ValueChecks.shorten(value.get())
        + "' (MESH_INTERNAL, MESH_EXTERNAL)");
    return false;
  }

  private static List<ServicePort> ports(SpecReader spec) {
    List<SpecReader> entries = spec.objects("ports");
    if (entries.isEmpty()) {
      spec.error("ports", "missing required field (at least one port)");
    }
    List<ServicePort> ports = new ArrayList<>();
    for (SpecReader entry : entries) {
      entry.reportUnhandled(PORT_FIELDS, Set.of());
      OptionalInt number = entry.port("number");
      if (number.isEmpty()) {
        if (!entry.has("number")) {
          entry.error("number", "missing required field");
        }
        continue;
      }
      if (ports.stream().anyMatch(port -> port.number() == number.getAsInt())) {
        entry.error("number", "port " + number.getAsInt() + " is listed twice");
        continue;
      }
      ports.add(new ServicePort(
          number.getAsInt(),
          entry.string("name").orElse(""),
          entry.string("protocol").orElse(""),
          entry.port("targetPort").orElse(0)));
    }
    return ports;
  }

  private static Resolution resolution(SpecReader spec) {
    Optional<String> value = spec.string("resolution");
    if (value.isEmpty()) {
      return Resolution.NONE;
    }
    try {
      return Resolution.valueOf(value.get().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      spec.error("resolution", "unknown resolution '" + ValueChecks.shorten(String.valueOf(value.get()))
          + "' (NONE, STATIC, DNS, DNS_ROUND_ROBIN)");
      return Resolution.NONE;
    }
  }
}
