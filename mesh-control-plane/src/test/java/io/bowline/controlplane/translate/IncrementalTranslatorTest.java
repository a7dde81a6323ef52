package io.bowline.controlplane.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.IstioConfigCache;
import io.bowline.controlplane.istio.IstioConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental translation must give exactly what a full translation gives: after every step of seeded
 * random sequences of file changes (endpoints, ServiceEntries, DestinationRules, VirtualServices routing
 * and mirroring across services, Sidecars, exportTo, files added and removed), the output of one
 * {@link IncrementalTranslator} for several client views equals a fresh {@link XdsTranslator}'s, resources
 * and diagnostics, in order. And it must actually be incremental: an endpoint or VirtualService change
 * leaves the resource instances of the other services as they were.
 */
class IncrementalTranslatorTest {

  private static final int SERVICES = 6;
  private static final String[] NAMESPACES = {"default", "shop"};
  private static final List<ClientView> VIEWS = List.of(
      ClientView.DEFAULT,
      new ClientView("shop", Map.of("app", "web", "version", "v1"), "us-east/zone-a"),
      new ClientView("default", Map.of("app", "batch"), "us-west/zone-b"));

  @TempDir
  Path dir;

  @Test
  void randomFileChangesTranslateAsAFullTranslationDoes() throws IOException {
    for (long seed = 1; seed <= 5; seed++) {
      Path meshDir = Files.createDirectory(dir.resolve("seed-" + seed));
      Random random = new Random(seed);
      MeshFiles files = new MeshFiles(meshDir, random);
      files.writeInitial();
      IstioConfigCache cache = new IstioConfigCache(meshDir);
      IncrementalTranslator incremental = new IncrementalTranslator(new XdsTranslator());
      XdsTranslator full = new XdsTranslator();
      for (int step = 0; step < 25; step++) {
        String change = step == 0 ? "initial" : files.randomChange();
        IstioConfig config = cache.load();
        assertSameConfig(IstioConfigLoader.load(meshDir), config, "seed " + seed + ", step " + step);
        for (ClientView view : VIEWS) {
          assertEquals(full.translate(config, view), incremental.translate(config, view),
              "seed " + seed + ", step " + step + " (" + change + "), view " + view);
        }
      }
    }
  }

  @Test
  void anEndpointChangeRetranslatesOnlyTheServicesSelectingIt() throws IOException {
    MeshFiles files = new MeshFiles(dir, new Random(7));
    files.writeInitial();
    IstioConfigCache cache = new IstioConfigCache(dir);
    IncrementalTranslator incremental = new IncrementalTranslator(new XdsTranslator());
    XdsResources before = incremental.translate(cache.load(), ClientView.DEFAULT);

    files.writeWorkloads(2, List.of("10.9.9.9", "10.9.9.10"), "v1");
    XdsResources after = incremental.translate(cache.load(), ClientView.DEFAULT);

    String changed = "svc-2.default.svc.cluster.local";
    assertReused(before.endpoints(), after.endpoints(), ClusterLoadAssignmentName::of, changed);
    assertReused(before.routeConfigurations(), after.routeConfigurations(), r -> r.getName(), changed);
    assertReused(before.clusters(), after.clusters(), c -> c.getName(), changed);
  }

  @Test
  void aVirtualServiceChangeRetranslatesOnlyItsHostsAndTheirRoutes() throws IOException {
    MeshFiles files = new MeshFiles(dir, new Random(9));
    files.writeInitial();
    IstioConfigCache cache = new IstioConfigCache(dir);
    IncrementalTranslator incremental = new IncrementalTranslator(new XdsTranslator());
    XdsResources before = incremental.translate(cache.load(), ClientView.DEFAULT);

    files.writeVirtualService(3, 4, "v2", false);
    XdsResources after = incremental.translate(cache.load(), ClientView.DEFAULT);

    String changed = "svc-3.shop.svc.cluster.local";
    assertReused(before.routeConfigurations(), after.routeConfigurations(), r -> r.getName(), changed);
    assertReused(before.endpoints(), after.endpoints(), ClusterLoadAssignmentName::of, changed);
  }

  /** The incremental load gives what a full load gives (source lines aside: they have no equality). */
  private static void assertSameConfig(IstioConfig expected, IstioConfig actual, String at) {
    assertEquals(expected.files(), actual.files(), at);
    assertEquals(expected.serviceEntries(), actual.serviceEntries(), at);
    assertEquals(expected.workloadEntries(), actual.workloadEntries(), at);
    assertEquals(expected.destinationRules(), actual.destinationRules(), at);
    assertEquals(expected.virtualServices(), actual.virtualServices(), at);
    assertEquals(expected.diagnostics(), actual.diagnostics(), at);
    assertEquals(expected.deployments(), actual.deployments(), at);
    assertEquals(expected.sidecars(), actual.sidecars(), at);
    assertEquals(expected.exportTo(), actual.exportTo(), at);
    assertEquals(expected.security(), actual.security(), at);
  }

  /** Resources not named after {@code changedHost} are the same instances; the changed host's are new. */
  private static <T> void assertReused(List<T> before, List<T> after, Function<T, String> name, String changedHost) {
    Map<String, T> old = before.stream().collect(Collectors.toMap(name, r -> r));
    int reused = 0;
    for (T resource : after) {
      T previous = old.get(name.apply(resource));
      if (name.apply(resource).endsWith("|" + changedHost)) {
        assertNotSame(previous, resource, name.apply(resource) + " should have been translated anew");
      } else {
        assertSame(previous, resource, name.apply(resource) + " should have been reused");
        reused++;
      }
    }
    assertTrue(after.size() > reused, "the changed host " + changedHost + " has resources");
  }

  /** The name of a load assignment. */
  private static final class ClusterLoadAssignmentName {
    static String of(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment assignment) {
      return assignment.getClusterName();
    }
  }

  /**
   * A small mesh as files: {@code svc-i} in namespace {@code default} (even i) or {@code shop} (odd i), each
   * with its own ServiceEntry, WorkloadEntries, DestinationRule and VirtualService file, so that a change
   * of one file changes one resource kind of one service, as in a real configuration directory.
   */
  private static final class MeshFiles {
    private final Path dir;
    private final Random random;

    MeshFiles(Path dir, Random random) {
      this.dir = dir;
      this.random = random;
    }

    void writeInitial() throws IOException {
      for (int s = 0; s < SERVICES; s++) {
        writeServiceEntry(s, List.of(8080), false);
        writeWorkloads(s, List.of("10.0." + s + ".1", "10.0." + s + ".2", "10.0." + s + ".3"), "v2");
        writeDestinationRule(s, false);
        writeVirtualService(s, (s + 1) % SERVICES, "v1", false);
      }
    }

    String randomChange() throws IOException {
      int s = random.nextInt(SERVICES);
      int other = random.nextInt(SERVICES);
      switch (random.nextInt(13)) {
        case 0, 1, 2 -> {
          List<String> addresses = new ArrayList<>();
          for (int i = 0, n = random.nextInt(4); i < n; i++) {
            addresses.add("10." + random.nextInt(3) + "." + s + "." + (random.nextInt(200) + 1));
          }
          writeWorkloads(s, addresses, random.nextBoolean() ? "v1" : "v2");
          return "workloads of svc-" + s;
        }
        case 3, 4 -> {
          writeVirtualService(s, other, random.nextBoolean() ? "v1" : "v2", random.nextBoolean());
          return "VirtualService of svc-" + s + " -> svc-" + other;
        }
        case 5 -> {
          writeDestinationRule(s, random.nextBoolean());
          return "DestinationRule of svc-" + s;
        }
        case 6 -> {
          writeServiceEntry(s, random.nextBoolean() ? List.of(8080) : List.of(8080, 9090), random.nextBoolean());
          return "ServiceEntry of svc-" + s;
        }
        case 7 -> {
          Files.deleteIfExists(dir.resolve(pick("se-", "we-", "dr-", "vs-") + s + ".yaml"));
          return "a file of svc-" + s + " deleted";
        }
        case 8 -> {
          if (random.nextBoolean()) {
            Files.writeString(dir.resolve("sidecar.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: shop}
                spec:
                  egress:
                  - hosts: ["./*", "default/svc-%d.default.svc.cluster.local"]
                """.formatted(2 * random.nextInt(SERVICES / 2)));
          } else {
            Files.deleteIfExists(dir.resolve("sidecar.yaml"));
          }
          return "Sidecar";
        }
        case 12 -> {
          if (random.nextBoolean()) {
            Files.writeString(dir.resolve("security-" + s % 2 + ".yaml"), """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: pa-%1$d, namespace: %2$s}
                spec:
                  mtls: {mode: %3$s}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-%1$d, namespace: %2$s}
                spec:
                  action: DENY
                  rules:
                  - to: [{operation: {methods: [DELETE], paths: ["/admin/*"]}}]
                """.formatted(s, s % 2 == 0 ? "default" : "shop", random.nextBoolean() ? "PERMISSIVE" : "DISABLE"));
          } else {
            Files.deleteIfExists(dir.resolve("security-" + s % 2 + ".yaml"));
          }
          return "security policies";
        }
        case 9 -> {
          // a second VirtualService for the same host, in a later file: rules concatenated
          Files.writeString(dir.resolve("vs-extra.yaml"), virtualService("extra", s, other, "v2", false,
              "match: [{headers: {end-user: {exact: jason}}}]"));
          return "extra VirtualService for svc-" + s;
        }
        case 10 -> {
          if (random.nextBoolean()) {
            // a second ServiceEntry for a host in another file: the later definition wins
            Files.writeString(dir.resolve("zz-duplicate.yaml"), serviceEntry("dup", s, List.of(7070), false));
            return "second ServiceEntry for svc-" + s;
          }
          // the same ServiceEntry (kind, namespace, name) defined again in a later file: it replaces the first
          Files.writeString(dir.resolve("zz-redefined.yaml"), serviceEntry("svc-" + s, s, List.of(6060), false));
          return "ServiceEntry svc-" + s + " redefined";
        }
        default -> {
          Files.writeString(dir.resolve("ns-" + random.nextInt(2) + ".yaml"), """
              apiVersion: networking.istio.io/v1
              kind: DestinationRule
              metadata: {name: ns-rule, namespace: ns%d}
              spec:
                host: svc-%d.%s.svc.cluster.local
              """.formatted(random.nextInt(3), s, namespace(s)));
          return "a rule in a new namespace";
        }
      }
    }

    void writeServiceEntry(int s, List<Integer> ports, boolean exportToOwnNamespace) throws IOException {
      Files.writeString(dir.resolve("se-" + s + ".yaml"), serviceEntry("svc-" + s, s, ports, exportToOwnNamespace));
    }

    private String serviceEntry(String name, int s, List<Integer> ports, boolean exportToOwnNamespace) {
      String portList = ports.stream().map(p -> "{number: " + p + ", name: http-" + p + ", protocol: HTTP}")
          .collect(Collectors.joining(", "));
      return """
          apiVersion: networking.istio.io/v1
          kind: ServiceEntry
          metadata: {name: %s, namespace: %s}
          spec:
            hosts: [svc-%d.%s.svc.cluster.local]
            ports: [%s]
            resolution: STATIC
            workloadSelector: {labels: {app: svc-%d}}
          %s""".formatted(name, namespace(s), s, namespace(s), portList, s,
          exportToOwnNamespace ? "  exportTo: [\".\"]\n" : "");
    }

    void writeWorkloads(int s, List<String> addresses, String version) throws IOException {
      StringBuilder yaml = new StringBuilder();
      for (int i = 0; i < addresses.size(); i++) {
        yaml.append("""
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: svc-%d-%d, namespace: %s}
            spec:
              address: %s
              labels: {app: svc-%d, version: %s}
              locality: us-east/zone-%s
            ---
            """.formatted(s, i, namespace(s), addresses.get(i), s, i == 0 ? "v1" : version, i % 2 == 0 ? "a" : "b"));
      }
      Files.writeString(dir.resolve("we-" + s + ".yaml"), yaml.toString());
    }

    void writeDestinationRule(int s, boolean consistentHash) throws IOException {
      String policy = consistentHash
          ? "{loadBalancer: {consistentHash: {httpHeaderName: x-user}}}"
          : "{loadBalancer: {simple: ROUND_ROBIN, localityLbSetting: {enabled: true}},"
              + " outlierDetection: {consecutive5xxErrors: 3}}";
      Files.writeString(dir.resolve("dr-" + s + ".yaml"), """
          apiVersion: networking.istio.io/v1
          kind: DestinationRule
          metadata: {name: svc-%d, namespace: %s}
          spec:
            host: svc-%d.%s.svc.cluster.local
            trafficPolicy: %s
            subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
          """.formatted(s, namespace(s), s, namespace(s), policy));
    }

    void writeVirtualService(int s, int destination, String subset, boolean mirror) throws IOException {
      Files.writeString(dir.resolve("vs-" + s + ".yaml"),
          virtualService("svc-" + s, s, destination, subset, mirror, null));
    }

    private String virtualService(String name, int s, int destination, String subset, boolean mirror,
        String match) {
      String target = "svc-" + destination + "." + namespace(destination) + ".svc.cluster.local";
      String own = "svc-" + s + "." + namespace(s) + ".svc.cluster.local";
      return """
          apiVersion: networking.istio.io/v1
          kind: VirtualService
          metadata: {name: %s, namespace: %s}
          spec:
            hosts: [%s]
            http:
            - %sroute:
              - {destination: {host: %s, subset: %s}, weight: 70}
              - {destination: {host: %s}, weight: 30}
          %s""".formatted(name, namespace(s), own, match == null ? "" : match + "\n    ", target, subset, own,
          mirror ? "    mirror: {host: " + target + "}\n" : "");
    }

    private String pick(String... options) {
      return options[random.nextInt(options.length)];
    }

    private static String namespace(int s) {
      return NAMESPACES[s % 2];
    }
  }
}
