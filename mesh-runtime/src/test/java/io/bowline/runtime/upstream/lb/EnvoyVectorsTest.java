package io.bowline.runtime.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.Endpoint.HealthStatus;
import io.bowline.api.config.LbConfig;
import io.bowline.api.config.LbPolicy;
import io.bowline.api.config.LocalityEndpoints;
import io.bowline.api.config.LocalityEndpoints.Locality;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Our {@code MAGLEV} and {@code RING_HASH} balancers against the exact outcomes Envoy's own unit
 * tests pin ({@code test/extensions/load_balancing_policies/maglev/maglev_lb_test.cc} and
 * {@code .../ring_hash/ring_hash_lb_test.cc}): same hosts, same request hashes, same host chosen.
 * Each test is named after the Envoy test it mirrors. Hosts are {@code 127.0.0.1:<port>}, hashed by
 * that address string as Envoy does. Envoy cases that rest on features we do not model
 * ({@code hash_balance_factor}, retry host predicates, port 0 endpoints) are not mirrored.
 */
class EnvoyVectorsTest {

  private static UpstreamHost host(int port, int weight) {
    return new UpstreamHost(new Endpoint("127.0.0.1", port, weight, HealthStatus.HEALTHY), 0);
  }

  private static List<UpstreamHost> ports(int... ports) {
    List<UpstreamHost> out = new ArrayList<>();
    for (int p : ports) {
      out.add(host(p, 1));
    }
    return out;
  }

  /** Ports 90..95 with host names "90".."95", placed by host name ({@code use_hostname_for_hashing}). */
  private static NormalizedHostWeights byHostname() {
    return named(p -> new Endpoint("127.0.0.1", p, 1, HealthStatus.HEALTHY, Integer.toString(p)));
  }

  /** Ports 90..95 with {@code envoy.lb hash_key} "90".."95" and other host names: the key wins. */
  private static NormalizedHostWeights byMetadataHashKey() {
    return named(p -> new Endpoint("127.0.0.1", p, 1, HealthStatus.HEALTHY, "host-" + p, Integer.toString(p)));
  }

  private static NormalizedHostWeights named(java.util.function.IntFunction<Endpoint> endpoint) {
    List<UpstreamHost> out = new ArrayList<>();
    for (int p = 90; p <= 95; p++) {
      out.add(new UpstreamHost(endpoint.apply(p), 0));
    }
    return NormalizedHostWeights.flat(out, true);
  }

  private static int port(UpstreamHost h) {
    return h.endpoint().port();
  }

  /** One locality per entry of {@code weights}, holding the endpoints of {@code members}. */
  private static LoadBalancer localityWeighted(LbPolicy policy, LbConfig config, int[] weights, Endpoint[][] members) {
    List<LocalityEndpoints> les = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      les.add(new LocalityEndpoints(new Locality("", "zone-" + i, ""), 0, weights[i], List.of(members[i])));
    }
    var cla = new ClusterLoadAssignment("c", les, ClusterLoadAssignment.DEFAULT_OVERPROVISIONING_FACTOR);
    return ClusterLoadBalancing.build(policy, config, cla, null).balancer();
  }

  private static Endpoint endpoint(int port, int weight) {
    return new Endpoint("127.0.0.1", port, weight, HealthStatus.HEALTHY);
  }

  private static LbConfig maglev(long tableSize, boolean localityWeighted) {
    return new LbConfig(2, 1.0, 1024, 8_388_608, tableSize, 50.0, localityWeighted);
  }

  private static LbConfig ring(long min, long max, boolean localityWeighted) {
    return new LbConfig(2, 1.0, min, max, 65_537, 50.0, localityWeighted);
  }

  /** Hash {@code i} for i in [0, 3 × table size) must pick the port at {@code expected[i mod size]}. */
  private static void assertTable(LoadBalancer lb, int... expectedPorts) {
    for (int i = 0; i < 3 * expectedPorts.length; i++) {
      assertThat(port(lb.pick(i))).as("hash %d", i).isEqualTo(expectedPorts[i % expectedPorts.length]);
    }
  }

  /** Envoy's {@code i × (UINT64_MAX / n)} sweep around the ring, counted per port. */
  private static Map<Integer, Integer> sweep(LoadBalancer lb, int n) {
    long step = Long.divideUnsigned(-1L, n);
    Map<Integer, Integer> counts = new java.util.TreeMap<>();
    for (int i = 0; i < n; i++) {
      counts.merge(port(lb.pick(i * step)), 1, Integer::sum);
    }
    return counts;
  }

  @Nested
  class Maglev {
    @Test
    void singleHost() {
      LoadBalancer lb = new MaglevLoadBalancer(ports(90), 7);
      for (int i = 0; i < 5; i++) {
        assertThat(port(lb.pick(i))).isEqualTo(90);
      }
    }

    @Test
    void basic() {
      assertTable(new MaglevLoadBalancer(ports(90, 91, 92, 93, 94, 95), 7), 92, 94, 90, 91, 95, 90, 93);
    }

    @Test
    void basicStabilityUnderAnyHostOrder() {
      List<UpstreamHost> hosts = ports(90, 91, 92, 93, 94, 95);
      Random random = new Random(42);
      for (int round = 0; round < 5; round++) {
        Collections.shuffle(hosts, random);
        assertTable(new MaglevLoadBalancer(hosts, 7), 92, 94, 90, 91, 95, 90, 93);
      }
    }

    @Test
    void basicWithHostName() {
      assertTable(new MaglevLoadBalancer(byHostname(), 7), 92, 95, 90, 93, 94, 91, 90);
    }

    @Test
    void basicWithMetadataHashKey() {
      assertTable(new MaglevLoadBalancer(byMetadataHashKey(), 7), 92, 95, 90, 93, 94, 91, 90);
    }

    @Test
    void weighted() {
      assertTable(new MaglevLoadBalancer(List.of(host(90, 1), host(91, 2)), 17),
          91, 90, 90, 91, 90, 91, 91, 90, 91, 91, 91, 91, 91, 90, 91, 90, 91);
    }

    @Test
    void weightedSingleHost() {
      LoadBalancer lb = new MaglevLoadBalancer(List.of(host(90, 7)), 17);
      for (int i = 0; i < 17; i++) {
        assertThat(port(lb.pick(i))).isEqualTo(90);
      }
    }

    @Test
    void localityWeightedSameLocalityWeights() {
      LoadBalancer lb = localityWeighted(LbPolicy.MAGLEV, maglev(17, true), new int[] {1, 1},
          new Endpoint[][] {{endpoint(90, 1)}, {endpoint(91, 2)}});
      assertTable(lb, 91, 90, 90, 91, 90, 91, 91, 90, 90, 91, 90, 91, 90, 90, 91, 90, 91);
    }

    @Test
    void localityWeightedDifferentLocalityWeights() {
      LoadBalancer lb = localityWeighted(LbPolicy.MAGLEV, maglev(17, true), new int[] {8, 0, 2},
          new Endpoint[][] {{endpoint(90, 1)}, {endpoint(92, 3)}, {endpoint(91, 2)}});
      assertTable(lb, 91, 90, 90, 90, 90, 90, 91, 90, 90, 91, 90, 91, 90, 90, 90, 90, 90);
    }

    @Test
    void localityWeightedAllZeroLocalityWeights() {
      LoadBalancer lb = localityWeighted(LbPolicy.MAGLEV, maglev(17, true), new int[] {0},
          new Endpoint[][] {{endpoint(90, 1)}});
      assertThat(lb.pick(0)).isNull();
    }
  }

  @Nested
  class RingHash {
    /** Envoy's Basic ring: port and position of each of the 12 entries, in ring order. */
    private final long[][] basicRing = {
        {94, 833437586790550860L}, {92, 928266305478181108L}, {90, 1033482794131418490L},
        {95, 3551244743356806947L}, {93, 3851675632748031481L}, {91, 5583722120771150861L},
        {91, 6311230543546372928L}, {93, 7700377290971790572L}, {95, Long.parseUnsignedLong("13144177310400110813")},
        {92, Long.parseUnsignedLong("13444792449719432967")}, {94, Long.parseUnsignedLong("15516499411664133160")},
        {90, Long.parseUnsignedLong("16117243373044804889")}};

    private void assertRing(RingHashLoadBalancer lb, long[][] ring) {
      assertThat(lb.size()).isEqualTo(ring.length);
      for (int i = 0; i < ring.length; i++) {
        long position = ring[i][1];
        assertThat(port(lb.pick(position))).as("entry %d at %s", i, Long.toUnsignedString(position)).isEqualTo(ring[i][0]);
        long next = ring[(i + 1) % ring.length][0];
        assertThat(port(lb.pick(position + 1))).as("just after entry %d", i).isEqualTo(next);
      }
    }

    private void assertPicks(LoadBalancer lb, Object... hashThenPort) {
      for (int i = 0; i < hashThenPort.length; i += 2) {
        long hash = Long.parseUnsignedLong((String) hashThenPort[i]);
        assertThat(port(lb.pick(hash))).as("hash %s", hashThenPort[i]).isEqualTo(hashThenPort[i + 1]);
      }
    }

    @Test
    void basic() {
      RingHashLoadBalancer lb = new RingHashLoadBalancer(ports(90, 91, 92, 93, 94, 95), 12, 8_388_608);
      assertRing(lb, basicRing);
      assertPicks(lb, "0", 94, "18446744073709551615", 94, "3551244743356806947", 95, "3551244743356806948", 93);
    }

    @Test
    void basicThroughClusterLoadBalancing() {
      LoadBalancer lb = localityWeighted(LbPolicy.RING_HASH, ring(12, 8_388_608, false), new int[] {1},
          new Endpoint[][] {{endpoint(90, 1), endpoint(91, 1), endpoint(92, 1), endpoint(93, 1), endpoint(94, 1), endpoint(95, 1)}});
      assertPicks(lb, "0", 94, "18446744073709551615", 94, "3551244743356806947", 95, "3551244743356806948", 93);
    }

    @Test
    void basicWithHostname() {
      assertHostnameRing(new RingHashLoadBalancer(byHostname(), 12, 8_388_608, LbConfig.RingHashFunction.XX_HASH));
    }

    @Test
    void basicWithMetadataHashKey() {
      assertHostnameRing(new RingHashLoadBalancer(byMetadataHashKey(), 12, 8_388_608, LbConfig.RingHashFunction.XX_HASH));
    }

    /** Envoy's ring for hosts keyed "90".."95" (BasicWithHostname, BasicWithMetadataHashKey). */
    private void assertHostnameRing(RingHashLoadBalancer lb) {
      assertRing(lb, new long[][] {
          {95, 1975508444536362413L}, {95, 2376063919839173711L}, {93, 2386806903309390596L},
          {94, 6749904478991551885L}, {93, 6803900775736438537L}, {92, 7225015537174310577L},
          {90, 8787465352164086522L}, {92, Long.parseUnsignedLong("11282020843382717940")},
          {91, Long.parseUnsignedLong("13723418369486627818")}, {90, Long.parseUnsignedLong("13776502110861797421")},
          {91, Long.parseUnsignedLong("14338313586354474791")}, {94, Long.parseUnsignedLong("15364271037087512980")}});
      assertPicks(lb, "0", 95, "18446744073709551615", 95, "7225015537174310577", 92, "6803900775736438537", 93);
    }

    @Test
    void basicWithMurmur2() {
      RingHashLoadBalancer lb = new RingHashLoadBalancer(ports(80, 81, 82, 83, 84, 85), 12, 8_388_608,
          LbConfig.RingHashFunction.MURMUR_HASH_2);
      assertRing(lb, new long[][] {
          {85, 1358027074129602068L}, {83, 4361834613929391114L}, {84, 7224494972555149682L},
          {81, 7701421856454313576L}, {82, 8649315368077433379L}, {84, 8739448859063030639L},
          {81, Long.parseUnsignedLong("9887544217113020895")}, {82, Long.parseUnsignedLong("10150910876324007731")},
          {83, Long.parseUnsignedLong("15168472011420622455")}, {80, Long.parseUnsignedLong("15427156902705414897")},
          {85, Long.parseUnsignedLong("16375050414328759093")}, {80, Long.parseUnsignedLong("17613279263364193813")}});
      assertPicks(lb, "0", 85, "18446744073709551615", 85, "1358027074129602068", 85, "1358027074129602069", 83,
          "10150910876324007730", 82);
    }

    @Test
    void unevenHosts() {
      RingHashLoadBalancer first = new RingHashLoadBalancer(ports(80, 81), 3, 8_388_608);
      assertRing(first, new long[][] {
          {80, 5454692015285649509L}, {81, 7859399908942313493L},
          {80, Long.parseUnsignedLong("13838424394637650569")}, {81, Long.parseUnsignedLong("16064866803292627174")}});
      RingHashLoadBalancer second = new RingHashLoadBalancer(ports(81, 82), 3, 8_388_608);
      assertRing(second, new long[][] {
          {81, 7859399908942313493L}, {82, 8241336090459785962L},
          {82, Long.parseUnsignedLong("12882406409176325258")}, {81, Long.parseUnsignedLong("16064866803292627174")}});
      assertThat(port(second.pick(0))).isEqualTo(81);
    }

    private final Object[] weightedTinyRing = {
        "928266305478181108", 92, "4443673547860492590", 92, "5583722120771150861", 91,
        "6311230543546372928", 91, "13444792449719432967", 92, "16117243373044804889", 90};

    @Test
    void hostWeightedTinyRing() {
      RingHashLoadBalancer lb = new RingHashLoadBalancer(List.of(host(90, 1), host(91, 2), host(92, 3)), 6, 6);
      assertThat(lb.size()).isEqualTo(6);
      assertPicks(lb, weightedTinyRing);
    }

    @Test
    void hostWeightedLargeRing() {
      RingHashLoadBalancer lb = new RingHashLoadBalancer(List.of(host(90, 1), host(91, 2), host(92, 3)), 6144, 8_388_608);
      assertThat(lb.size()).isEqualTo(6144);
      assertThat(sweep(lb, 6000)).isEqualTo(Map.of(90, 987, 91, 1932, 92, 3081));
    }

    @Test
    void zeroLocalityWeights() {
      LoadBalancer lb = localityWeighted(LbPolicy.RING_HASH, ring(1024, 8_388_608, true), new int[] {0, 0},
          new Endpoint[][] {{endpoint(90, 1)}, {endpoint(91, 1)}});
      assertThat(lb.pick()).isNull();
    }

    private LoadBalancer oneHostPerLocality(long min, long max) {
      return localityWeighted(LbPolicy.RING_HASH, ring(min, max, true), new int[] {1, 2, 3, 0},
          new Endpoint[][] {{endpoint(90, 1)}, {endpoint(91, 1)}, {endpoint(92, 1)}, {endpoint(93, 1)}});
    }

    @Test
    void localityWeightedTinyRing() {
      assertPicks(oneHostPerLocality(6, 6), weightedTinyRing);
    }

    @Test
    void localityWeightedLargeRing() {
      assertThat(sweep(oneHostPerLocality(6144, 8_388_608), 6000))
          .isEqualTo(Map.of(90, 987, 91, 1932, 92, 3081));
    }

    private LoadBalancer hostAndLocalityWeighted(long min, long max) {
      return localityWeighted(LbPolicy.RING_HASH, ring(min, max, true), new int[] {1, 2},
          new Endpoint[][] {{endpoint(90, 1), endpoint(91, 2)}, {endpoint(92, 1), endpoint(93, 2)}});
    }

    @Test
    void hostAndLocalityWeightedTinyRing() {
      assertPicks(hostAndLocalityWeighted(9, 9),
          "928266305478181108", 92, "3851675632748031481", 93, "5583722120771150861", 91,
          "6311230543546372928", 91, "7700377290971790572", 93, "12559126875973811811", 93,
          "13444792449719432967", 92, "13784988426630141778", 93, "16117243373044804889", 90);
    }

    @Test
    void hostAndLocalityWeightedLargeRing() {
      assertThat(sweep(hostAndLocalityWeighted(9216, 8_388_608), 9000))
          .isEqualTo(Map.of(90, 924, 91, 2009, 92, 2053, 93, 4014));
    }

    @Test
    void smallFractionalScale() {
      RingHashLoadBalancer lb = new RingHashLoadBalancer(ports(90, 91, 92, 93), 2, 2);
      assertThat(lb.size()).isEqualTo(2);
      assertThat(sweep(lb, 1024)).hasSize(2);
    }

    @Test
    void largeFractionalScale() {
      RingHashLoadBalancer lb = new RingHashLoadBalancer(ports(90, 91), 1023, 1023);
      assertThat(lb.size()).isEqualTo(1023);
      assertThat(sweep(lb, 1023)).isEqualTo(Map.of(90, 526, 91, 497));
    }
  }
}
