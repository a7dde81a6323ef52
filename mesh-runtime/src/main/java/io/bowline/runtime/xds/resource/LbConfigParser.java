package io.bowline.runtime.xds.resource;

import io.bowline.api.config.LbConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;

/**
 * Parses a cluster's load-balancer settings: {@code least_request_lb_config},
 * {@code ring_hash_lb_config}, {@code maglev_lb_config} and {@code common_lb_config}
 * ({@code healthy_panic_threshold}, {@code locality_weighted_lb_config}). Zone-aware routing is
 * rejected: it would move traffic and it is not implemented.
 */
final class LbConfigParser {
  private LbConfigParser() {}

  static LbConfig parse(Cluster c) throws ResourceException {
    LbConfig d = LbConfig.DEFAULT;
    int choiceCount = d.choiceCount();
    double bias = d.activeRequestBias();
    long minRing = d.minimumRingSize();
    long maxRing = d.maximumRingSize();
    long table = d.maglevTableSize();
    double panic = d.healthyPanicThreshold();
    boolean localityWeighted = false;
    boolean useHostname = false;
    LbConfig.RingHashFunction ringHash = d.ringHashFunction();
    if (c.hasLeastRequestLbConfig()) {
      var l = c.getLeastRequestLbConfig();
      if (l.hasChoiceCount()) {
        choiceCount = l.getChoiceCount().getValue();
        if (choiceCount < 2) {
          throw new ResourceException("least_request_lb_config.choice_count", "must be >= 2, was " + choiceCount);
        }
      }
      if (l.hasActiveRequestBias()) {
        bias = l.getActiveRequestBias().getDefaultValue();
        if (bias < 0 || Double.isNaN(bias)) {
          throw new ResourceException("least_request_lb_config.active_request_bias", "must be >= 0, was " + bias);
        }
      }
    }
    if (c.hasRingHashLbConfig()) {
      var r = c.getRingHashLbConfig();
      ringHash = switch (r.getHashFunction()) {
        case XX_HASH -> LbConfig.RingHashFunction.XX_HASH;
        case MURMUR_HASH_2 -> LbConfig.RingHashFunction.MURMUR_HASH_2;
        default -> throw new ResourceException("ring_hash_lb_config.hash_function", "unknown value " + r.getHashFunctionValue());
      };
      if (r.hasMinimumRingSize()) {
        minRing = r.getMinimumRingSize().getValue();
      }
      if (r.hasMaximumRingSize()) {
        maxRing = r.getMaximumRingSize().getValue();
      }
      if (minRing < 1 || maxRing > 8_388_608 || minRing > maxRing) {
        throw new ResourceException("ring_hash_lb_config",
            "need 1 <= minimum_ring_size <= maximum_ring_size <= 8388608, was " + minRing + " and " + maxRing);
      }
    }
    if (c.hasMaglevLbConfig() && c.getMaglevLbConfig().hasTableSize()) {
      table = c.getMaglevLbConfig().getTableSize().getValue();
      if (table > 5_000_011 || !isPrime(table)) {
        throw new ResourceException("maglev_lb_config.table_size", "must be a prime <= 5000011, was " + table);
      }
    }
    if (c.hasCommonLbConfig()) {
      var common = c.getCommonLbConfig();
      if (common.hasHealthyPanicThreshold()) {
        panic = common.getHealthyPanicThreshold().getValue();
        if (panic < 0 || panic > 100) {
          throw new ResourceException("common_lb_config.healthy_panic_threshold", "must be in [0, 100], was " + panic);
        }
      }
      if (common.hasZoneAwareLbConfig()) {
        throw new ResourceException("common_lb_config.zone_aware_lb_config", "not supported");
      }
      localityWeighted = common.hasLocalityWeightedLbConfig();
      if (common.hasConsistentHashingLbConfig()) {
        var hashing = common.getConsistentHashingLbConfig();
        if (hashing.hasHashBalanceFactor()) {
          throw new ResourceException("common_lb_config.consistent_hashing_lb_config.hash_balance_factor", "not supported");
        }
        useHostname = hashing.getUseHostnameForHashing();
      }
    }
    return new LbConfig(choiceCount, bias, minRing, maxRing, table, panic, localityWeighted, ringHash, useHostname);
  }

  private static boolean isPrime(long n) {
    if (n < 2) {
      return false;
    }
    for (long d = 2; d * d <= n; d++) {
      if (n % d == 0) {
        return false;
      }
    }
    return true;
  }
}
