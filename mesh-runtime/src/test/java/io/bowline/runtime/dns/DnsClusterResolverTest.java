package io.bowline.runtime.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.ClusterOptions;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.LbPolicy;
import io.bowline.api.config.LocalityEndpoints;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Resolution of DNS clusters against a scripted resolver (a real name server cannot be made to fail
 * on demand): STRICT_DNS uses every address, LOGICAL_DNS the first, failures keep the last good answer.
 */
class DnsClusterResolverTest {
  private final Map<String, List<InetAddress>> answers = new ConcurrentHashMap<>();
  private final AtomicInteger changes = new AtomicInteger();

  private List<InetAddress> lookup(String host) throws UnknownHostException {
    List<InetAddress> a = answers.get(host);
    if (a == null) {
      throw new UnknownHostException(host);
    }
    return a;
  }

  private static InetAddress ip(String s) throws UnknownHostException {
    return InetAddress.getByName(s);
  }

  private static Cluster cluster(String name, Cluster.DiscoveryType type, String... hosts) {
    List<Endpoint> eps = java.util.Arrays.stream(hosts)
        .map(h -> new Endpoint(h, 8080, 1, Endpoint.HealthStatus.UNKNOWN)).toList();
    return new Cluster(name, type, null, LbPolicy.ROUND_ROBIN,
        new ClusterLoadAssignment(name, List.of(new LocalityEndpoints(LocalityEndpoints.Locality.NONE, 0, 0, eps)), 140),
        new ClusterOptions(50, List.of(), List.of()));
  }

  private static List<String> addresses(ClusterLoadAssignment cla) {
    return cla.localities().stream().flatMap(l -> l.endpoints().stream()).map(Endpoint::hostPort).toList();
  }

  @Test
  void strictUsesAllAddressesLogicalTheFirstAndFailuresKeepTheLastGoodAnswer() throws Exception {
    answers.put("svc-a", List.of(ip("10.0.0.1"), ip("10.0.0.2")));
    answers.put("svc-b", List.of(ip("10.0.1.1")));
    try (DnsClusterResolver dns = new DnsClusterResolver(this::lookup, changes::incrementAndGet)) {
      dns.update(Map.of(
          "strict", cluster("strict", Cluster.DiscoveryType.STRICT_DNS, "svc-a", "svc-b"),
          "logical", cluster("logical", Cluster.DiscoveryType.LOGICAL_DNS, "svc-a")));
      await().until(dns::settled);
      assertThat(addresses(dns.assignments().get("strict")))
          .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "10.0.1.1:8080");
      assertThat(addresses(dns.assignments().get("logical"))).containsExactly("10.0.0.1:8080");

      answers.remove("svc-a");
      answers.put("svc-b", List.of(ip("10.0.1.9")));
      await().untilAsserted(() -> assertThat(addresses(dns.assignments().get("strict")))
          .as("svc-a failed: last good kept; svc-b moved")
          .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "10.0.1.9:8080"));
      assertThat(addresses(dns.assignments().get("logical"))).containsExactly("10.0.0.1:8080");

      dns.update(Map.of("logical", cluster("logical", Cluster.DiscoveryType.LOGICAL_DNS, "svc-a")));
      assertThat(dns.assignments()).containsOnlyKeys("logical");
    }
  }

  @Test
  void aHostThatNeverResolvedContributesNoEndpointButTheClusterSettles() throws Exception {
    try (DnsClusterResolver dns = new DnsClusterResolver(this::lookup, changes::incrementAndGet)) {
      dns.update(Map.of("c", cluster("c", Cluster.DiscoveryType.STRICT_DNS, "nowhere")));
      await().until(dns::settled);
      assertThat(addresses(dns.assignments().get("c"))).isEmpty();
      assertThat(changes.get()).isPositive();
    }
  }
  @Test
  void resolvedEndpointsAreNamedByTheirHostnameElseTheDnsNameWithoutPort() throws Exception {
    answers.put("svc-a", List.of(ip("10.0.0.1"), ip("10.0.0.2")));
    answers.put("svc-b", List.of(ip("10.0.1.1")));
    Cluster plain = cluster("c", Cluster.DiscoveryType.STRICT_DNS, "svc-a");
    LocalityEndpoints l = plain.loadAssignment().localities().get(0);
    List<Endpoint> hosts = List.of(l.endpoints().get(0), new Endpoint("svc-b", 8080, 1, Endpoint.HealthStatus.UNKNOWN, "b.example"));
    Cluster c = new Cluster("c", Cluster.DiscoveryType.STRICT_DNS, null, LbPolicy.ROUND_ROBIN,
        new ClusterLoadAssignment("c", List.of(new LocalityEndpoints(l.locality(), 0, 0, hosts)), 140), plain.options());
    try (DnsClusterResolver dns = new DnsClusterResolver(this::lookup, changes::incrementAndGet)) {
      dns.update(Map.of("c", c));
      await().until(dns::settled);
      assertThat(dns.assignments().get("c").localities().get(0).endpoints())
          .extracting(e -> e.hostPort() + " " + e.hostname())
          .containsExactly("10.0.0.1:8080 svc-a", "10.0.0.2:8080 svc-a", "10.0.1.1:8080 b.example");
    }
  }

  /**
   * The client declares itself ready once {@code settled()}; a snapshot compiled from
   * {@code assignments()} after that must hold the cluster's hosts, or the first call gets 503 UH. An
   * observer spins on {@code settled()} while the first resolution finishes, many times over, and
   * reads the assignments the moment it sees the cluster settled.
   */
  @Test
  void aSettledClusterAlreadyHasItsAssignment() throws Exception {
    answers.put("svc-a", List.of(ip("10.0.0.1")));
    for (int round = 0; round < 300; round++) {
      try (DnsClusterResolver dns = new DnsClusterResolver(this::lookup, () -> { })) {
        dns.update(Map.of("c", cluster("c", Cluster.DiscoveryType.STRICT_DNS, "svc-a")));
        long giveUp = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!dns.settled()) {
          assertThat(System.nanoTime()).as("round %d: first resolution within 10 s", round).isLessThan(giveUp);
          Thread.onSpinWait();
        }
        assertThat(dns.assignments()).as("round %d: assignments once settled", round).containsKey("c");
      }
    }
  }
}
