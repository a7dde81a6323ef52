package io.bowline.api.config;

/**
 * The load-balancer settings of an Envoy {@code Cluster} beside {@code lb_policy}.
 *
 * @param choiceCount {@code least_request_lb_config.choice_count}, ≥ 2 (default 2)
 * @param activeRequestBias {@code least_request_lb_config.active_request_bias.default_value}, ≥ 0
 *     (default 1.0)
 * @param minimumRingSize {@code ring_hash_lb_config.minimum_ring_size} (default 1024)
 * @param maximumRingSize {@code ring_hash_lb_config.maximum_ring_size} (default 8,388,608)
 * @param maglevTableSize {@code maglev_lb_config.table_size}, prime (default 65537)
 * @param healthyPanicThreshold {@code common_lb_config.healthy_panic_threshold}, percent 0–100
 *     (default 50; 0 disables panic mode)
 * @param localityWeighted {@code common_lb_config.locality_weighted_lb_config} is set: pick a
 *     locality by its {@code load_balancing_weight} first; for {@code RING_HASH} and
 *     {@code MAGLEV}, as in Envoy, the locality weights instead scale their hosts' shares of the one
 *     ring or table (localities of weight 0 get none)
 * @param ringHashFunction {@code ring_hash_lb_config.hash_function}: how ring entries are hashed
 *     (default {@code XX_HASH}; request hashes are xxHash64 either way, as in Envoy)
 * @param useHostnameForHashing {@code common_lb_config.consistent_hashing_lb_config.use_hostname_for_hashing}:
 *     {@code RING_HASH} and {@code MAGLEV} place hosts by the endpoint's {@code hostname} instead of
 *     its {@code address:port} (default false)
 */
public record LbConfig(
    int choiceCount,
    double activeRequestBias,
    long minimumRingSize,
    long maximumRingSize,
    long maglevTableSize,
    double healthyPanicThreshold,
    boolean localityWeighted,
    RingHashFunction ringHashFunction,
    boolean useHostnameForHashing) {
  /** Envoy's defaults. */
  public static final LbConfig DEFAULT = new LbConfig(2, 1.0, 1024, 8_388_608, 65_537, 50.0, false);

  /** {@code ring_hash_lb_config.hash_function}. */
  public enum RingHashFunction {
    /** xxHash64, seed 0 (Envoy's default). */
    XX_HASH,
    /** 64-bit MurmurHash2 as libstdc++'s {@code std::hash}, seed {@code 0xc70f6907}. */
    MURMUR_HASH_2
  }

  /**
   * The settings hashing hosts by address ({@code use_hostname_for_hashing} false).
   *
   * @param choiceCount {@code least_request_lb_config.choice_count}, ≥ 2 (default 2)
   * @param activeRequestBias {@code least_request_lb_config.active_request_bias.default_value}, ≥ 0 (default
   *     1.0)
   * @param minimumRingSize {@code ring_hash_lb_config.minimum_ring_size} (default 1024)
   * @param maximumRingSize {@code ring_hash_lb_config.maximum_ring_size} (default 8,388,608)
   * @param maglevTableSize {@code maglev_lb_config.table_size}, prime (default 65537)
   * @param healthyPanicThreshold {@code common_lb_config.healthy_panic_threshold}, percent 0–100 (default 50;
   *     0 disables panic mode)
   * @param localityWeighted {@code common_lb_config.locality_weighted_lb_config} is set: pick a locality by
   *     its {@code load_balancing_weight} first; for {@code RING_HASH} and {@code MAGLEV}, as in Envoy, the
   *     locality weights instead scale their hosts' shares of the one ring or table (localities of weight 0 get
   *     none)
   * @param ringHashFunction {@code ring_hash_lb_config.hash_function}: how ring entries are hashed (default
   *     {@code XX_HASH}; request hashes are xxHash64 either way, as in Envoy)
   */
  public LbConfig(int choiceCount, double activeRequestBias, long minimumRingSize, long maximumRingSize,
      long maglevTableSize, double healthyPanicThreshold, boolean localityWeighted, RingHashFunction ringHashFunction) {
    this(choiceCount, activeRequestBias, minimumRingSize, maximumRingSize, maglevTableSize, healthyPanicThreshold,
        localityWeighted, ringHashFunction, false);
  }

  /**
   * The settings with the default ring hash function ({@code XX_HASH}).
   *
   * @param choiceCount {@code least_request_lb_config.choice_count}, ≥ 2 (default 2)
   * @param activeRequestBias {@code least_request_lb_config.active_request_bias.default_value}, ≥ 0 (default
   *     1.0)
   * @param minimumRingSize {@code ring_hash_lb_config.minimum_ring_size} (default 1024)
   * @param maximumRingSize {@code ring_hash_lb_config.maximum_ring_size} (default 8,388,608)
   * @param maglevTableSize {@code maglev_lb_config.table_size}, prime (default 65537)
   * @param healthyPanicThreshold {@code common_lb_config.healthy_panic_threshold}, percent 0–100 (default 50;
   *     0 disables panic mode)
   * @param localityWeighted {@code common_lb_config.locality_weighted_lb_config} is set: pick a locality by
   *     its {@code load_balancing_weight} first; for {@code RING_HASH} and {@code MAGLEV}, as in Envoy, the
   *     locality weights instead scale their hosts' shares of the one ring or table (localities of weight 0 get
   *     none)
   */
  public LbConfig(int choiceCount, double activeRequestBias, long minimumRingSize, long maximumRingSize,
      long maglevTableSize, double healthyPanicThreshold, boolean localityWeighted) {
    this(choiceCount, activeRequestBias, minimumRingSize, maximumRingSize, maglevTableSize, healthyPanicThreshold,
        localityWeighted, RingHashFunction.XX_HASH);
  }

  /**
   * Checks the components.
   *
   * @param choiceCount {@code least_request_lb_config.choice_count}, ≥ 2 (default 2)
   * @param activeRequestBias {@code least_request_lb_config.active_request_bias.default_value}, ≥ 0 (default
   *     1.0)
   * @param minimumRingSize {@code ring_hash_lb_config.minimum_ring_size} (default 1024)
   * @param maximumRingSize {@code ring_hash_lb_config.maximum_ring_size} (default 8,388,608)
   * @param maglevTableSize {@code maglev_lb_config.table_size}, prime (default 65537)
   * @param healthyPanicThreshold {@code common_lb_config.healthy_panic_threshold}, percent 0–100 (default 50;
   *     0 disables panic mode)
   * @param localityWeighted {@code common_lb_config.locality_weighted_lb_config} is set: pick a locality by
   *     its {@code load_balancing_weight} first; for {@code RING_HASH} and {@code MAGLEV}, as in Envoy, the
   *     locality weights instead scale their hosts' shares of the one ring or table (localities of weight 0 get
   *     none)
   * @param ringHashFunction {@code ring_hash_lb_config.hash_function}: how ring entries are hashed (default
   *     {@code XX_HASH}; request hashes are xxHash64 either way, as in Envoy)
   * @param useHostnameForHashing {@code
   *     common_lb_config.consistent_hashing_lb_config.use_hostname_for_hashing}: {@code RING_HASH} and {@code
   *     MAGLEV} place hosts by the endpoint's {@code hostname} instead of its {@code address:port} (default
   *     false)
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public LbConfig {
    java.util.Objects.requireNonNull(ringHashFunction, "ring_hash_lb_config.hash_function");
    if (choiceCount < 2) {
      throw new IllegalArgumentException("least_request_lb_config.choice_count must be >= 2, was " + choiceCount);
    }
    if (activeRequestBias < 0) {
      throw new IllegalArgumentException("least_request_lb_config.active_request_bias must be >= 0");
    }
    if (minimumRingSize < 1 || maximumRingSize > 8_388_608 || minimumRingSize > maximumRingSize) {
      throw new IllegalArgumentException("ring_hash_lb_config: need 1 <= minimum_ring_size <= maximum_ring_size <= 8388608, was "
          + minimumRingSize + ", " + maximumRingSize);
    }
    if (maglevTableSize < 2 || maglevTableSize > 5_000_011 || !isPrime(maglevTableSize)) {
      throw new IllegalArgumentException("maglev_lb_config.table_size must be a prime <= 5000011, was " + maglevTableSize);
    }
    if (healthyPanicThreshold < 0 || healthyPanicThreshold > 100) {
      throw new IllegalArgumentException("common_lb_config.healthy_panic_threshold must be in [0, 100]");
    }
  }

  static boolean isPrime(long n) {
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
