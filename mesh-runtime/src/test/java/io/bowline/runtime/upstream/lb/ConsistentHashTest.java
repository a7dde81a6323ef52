package io.bowline.runtime.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.Endpoint.HealthStatus;
import io.bowline.api.config.HashPolicy;
import io.bowline.api.config.LbConfig;
import io.bowline.api.config.LbPolicy;
import io.bowline.api.config.LocalityEndpoints;
import io.bowline.runtime.routing.HashPolicies;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Spec §7: RING_HASH and MAGLEV with hash policies. */
class ConsistentHashTest {

  private static List<UpstreamHost> hosts(int... weights) {
    List<UpstreamHost> out = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      out.add(new UpstreamHost(new Endpoint("10.0.0." + (i + 1), 8080, weights[i], HealthStatus.HEALTHY), 0));
    }
    return out;
  }

  private static LoadBalancer lb(LbPolicy policy, List<UpstreamHost> hosts) {
    return policy == LbPolicy.RING_HASH
        ? new RingHashLoadBalancer(hosts, 1024, 8_388_608)
        : new MaglevLoadBalancer(hosts, 65_537);
  }

  @ParameterizedTest
  @EnumSource(value = LbPolicy.class, names = {"RING_HASH", "MAGLEV"})
  void sameHashSameHost(LbPolicy policy) {
    LoadBalancer lb = lb(policy, hosts(1, 1, 1));
    for (int i = 0; i < 100; i++) {
      long h = XxHash64.hash("user-" + i);
      assertThat(lb.pick(h)).isSameAs(lb.pick(h));
    }
  }

  @ParameterizedTest
  @EnumSource(value = LbPolicy.class, names = {"RING_HASH", "MAGLEV"})
  void sharesFollowWeights(LbPolicy policy) {
    LoadBalancer lb = lb(policy, hosts(1, 3));
    int n = 20_000;
    int heavy = 0;
    for (int i = 0; i < n; i++) {
      if (lb.pick(XxHash64.hash("k" + i)).endpoint().address().equals("10.0.0.2")) {
        heavy++;
      }
    }
    // Consistent hashing splits the key space, not draws: allow the ring's granularity (±3%).
    assertThat(heavy / (double) n).isBetween(0.72, 0.78);
  }

  @ParameterizedTest
  @EnumSource(value = LbPolicy.class, names = {"RING_HASH", "MAGLEV"})
  void removingAHostMovesOnlyItsKeys(LbPolicy policy) {
    List<UpstreamHost> three = hosts(1, 1, 1);
    LoadBalancer before = lb(policy, three);
    LoadBalancer after = lb(policy, three.subList(0, 2));
    int moved = 0;
    int n = 5_000;
    for (int i = 0; i < n; i++) {
      long h = XxHash64.hash("k" + i);
      UpstreamHost b = before.pick(h);
      if (b != three.get(2) && after.pick(h) != b) {
        moved++;
      }
    }
    // Keys of the surviving hosts mostly stay; the ring is rescaled (more points per host), so
    // some move, as in Envoy. A random reassignment would move about half of them.
    assertThat(moved / (double) n).isLessThan(0.2);
  }

  @Test
  void ringSizeIsScaledBetweenMinimumAndMaximum() {
    assertThat(new RingHashLoadBalancer(hosts(1, 1), 1024, 8_388_608).size()).isEqualTo(1024);
    assertThat(new RingHashLoadBalancer(hosts(1, 1), 16, 32).size()).isEqualTo(16);
    assertThat(new RingHashLoadBalancer(hosts(1, 1, 1), 4, 8).size()).isBetween(4, 9);
    assertThat(new RingHashLoadBalancer(hosts(1, 2000), 1024, 8_388_608).size()).isEqualTo(2001);
    assertThat(new RingHashLoadBalancer(hosts(1, 20_000), 1024, 8192).size()).isEqualTo(8192);
  }

  @Test
  void hashPoliciesHeaderCookieQueryAndTerminal() {
    MeshRequest req = new Req("/p?a=1&user=alice&user=bob", Map.of(
        "x-user", List.of("alice"), "cookie", List.of("theme=dark; session=\"s1\"")));
    long header = HashPolicies.hash(List.of(new HashPolicy(HashPolicy.Kind.HEADER, "X-User", false)), req);
    long query = HashPolicies.hash(List.of(new HashPolicy(HashPolicy.Kind.QUERY_PARAMETER, "user", false)), req);
    long cookie = HashPolicies.hash(List.of(new HashPolicy(HashPolicy.Kind.COOKIE, "session", false)), req);
    assertThat(header).isEqualTo(XxHash64.hash("alice")).isEqualTo(query);
    assertThat(cookie).isEqualTo(XxHash64.hash("s1"));
    HashPolicy missing = new HashPolicy(HashPolicy.Kind.HEADER, "absent", false);
    HashPolicy sourceIp = new HashPolicy(HashPolicy.Kind.SOURCE_IP, "", false);
    assertThat(HashPolicies.hash(List.of(missing, sourceIp), req)).as("source address unknown").isEqualTo(HashPolicies.NO_HASH);
    assertThat(HashPolicies.hash(List.of(missing, sourceIp), req, "10.0.0.7")).isEqualTo(XxHash64.hash("10.0.0.7"));
    HashPolicy terminal = new HashPolicy(HashPolicy.Kind.HEADER, "x-user", true);
    HashPolicy later = new HashPolicy(HashPolicy.Kind.COOKIE, "theme", false);
    assertThat(HashPolicies.hash(List.of(terminal, later), req)).isEqualTo(XxHash64.hash("alice"));
    assertThat(HashPolicies.hash(List.of(new HashPolicy(HashPolicy.Kind.HEADER, "x-user", false), later), req))
        .isEqualTo(Long.rotateLeft(XxHash64.hash("alice"), 1) ^ XxHash64.hash("dark"));
  }

  @ParameterizedTest
  @EnumSource(LbConfig.RingHashFunction.class)
  void ringEntriesSitAtTheConfiguredHashOfAddressUnderscoreIndex(LbConfig.RingHashFunction function) {
    List<UpstreamHost> hs = hosts(1, 1);
    RingHashLoadBalancer ring = new RingHashLoadBalancer(hs, 16, 16, function);
    for (int i = 0; i < 8; i++) {
      for (UpstreamHost h : hs) {
        String key = h.endpoint().hostPort() + "_" + i;
        long at = function == LbConfig.RingHashFunction.MURMUR_HASH_2 ? MurmurHash2x64.hash(key) : XxHash64.hash(key);
        // a request hashing exactly onto an entry goes to the entry's host
        assertThat(ring.pick(at)).as(key).isSameAs(h);
      }
    }
  }

  @Test
  void withoutAHashTheRingPicksAtRandom() {
    var cla = new ClusterLoadAssignment("c", List.of(new LocalityEndpoints(LocalityEndpoints.Locality.NONE, 0, 1,
        List.of(new Endpoint("10.0.0.1", 80, 1, HealthStatus.HEALTHY), new Endpoint("10.0.0.2", 80, 1, HealthStatus.HEALTHY)))), 140);
    LoadBalancer lb = ClusterLoadBalancing.build(LbPolicy.RING_HASH, LbConfig.DEFAULT, cla, null).balancer();
    Map<String, Integer> seen = new HashMap<>();
    int n = 4_000;
    for (int i = 0; i < n; i++) {
      seen.merge(lb.pick().endpoint().address(), 1, Integer::sum);
    }
    // As in Envoy, a random 64-bit value stands in for the hash: each host gets its arc of the ring,
    // measured here by an even sweep of 100,000 hashes.
    int arc = 0;
    int sweep = 100_000;
    long step = Long.divideUnsigned(-1L, sweep);
    for (int i = 0; i < sweep; i++) {
      arc += lb.pick(i * step).endpoint().address().equals("10.0.0.1") ? 1 : 0;
    }
    PriorityLoadTest.assertWithin(seen.get("10.0.0.1"), n, arc / (double) sweep);
  }

  @Test
  void leastRequestBiasZeroIgnoresActiveRequests() {
    List<UpstreamHost> hs = hosts(1, 3);
    for (int i = 0; i < 50; i++) {
      hs.get(1).onRequestStart();
    }
    LoadBalancer biased = new LeastRequestLoadBalancer(hs, 2, 1.0);
    LoadBalancer unbiased = new LeastRequestLoadBalancer(hs, 2, 0.0);
    int n = 8_000;
    int heavyBiased = 0;
    int heavyUnbiased = 0;
    for (int i = 0; i < n; i++) {
      heavyBiased += biased.pick() == hs.get(1) ? 1 : 0;
      heavyUnbiased += unbiased.pick() == hs.get(1) ? 1 : 0;
    }
    // bias 1: weights 1/1 and 3/51 -> heavy share 0.0556; bias 0: 3/4.
    PriorityLoadTest.assertWithin(heavyBiased, n, (3.0 / 51) / (1 + 3.0 / 51));
    PriorityLoadTest.assertWithin(heavyUnbiased, n, 0.75);
  }

  private record Req(String path, Map<String, List<String>> hs) implements MeshRequest {
    @Override
    public String authority() {
      return "svc";
    }

    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String scheme() {
      return "http";
    }

    @Override
    public List<String> headers(String name) {
      return hs.getOrDefault(name, List.of());
    }
  }
}
