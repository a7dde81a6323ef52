package io.bowline.benchmarks;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * The order in which P1's interleaved rounds ({@link P1Interleaved#run}) call their clients. Each round gives every
 * client the same number of measured calls, made in passes: a pass gives each client a slice of {@link #slice} calls
 * in a row, the clients in their listed order ({@link #shuffled} false) or in a fresh random order per pass. A slice
 * of 200 in listed order was P1's order up to the eighth round. The default is a slice of 200 (a round's calls of one
 * client back to back, as P1 has always measured them) with the clients in a fresh random order each round, so that
 * no client always follows the same neighbour. The ninth round's A/A checks ({@link P1AaCheck}; docs/benchmarks.md,
 * p1fix9) found no bias by position in either order: two identical direct clients read 0 within ±2 µs wherever they
 * stood. A slice of 1 (each call follows another client's call) measures something else: calls after the client's
 * own event loop idled, which cost the gRPC mTLS mesh 13–30 µs more than back-to-back calls did (with the short
 * warm-up of the eighth round).
 *
 * <p>Set from the command line with {@code -Dp1.slice=N} (calls per slice, default 200) and
 * {@code -Dp1.order=shuffled|listed} (default shuffled); {@code -Dp1.seed} fixes the shuffle's seed (default 1).
 *
 * @param slice calls a client makes in a row within a pass, ≥ 1; a round's calls per client must be a multiple of it
 * @param shuffled whether each pass orders the clients at random (else in their listed order)
 * @param seed the shuffle's seed
 */
record P1Rotation(int slice, boolean shuffled, long seed) {
  /** Rounds per look at the JIT during the warm-up. */
  static final int QUIET_ROUNDS = 5;
  /** The JIT's compilation time, ms, over {@link #QUIET_ROUNDS} warm-up rounds below which it counts as quiet. */
  static final long QUIET_MS = 20;
  /** Quiet looks in a row after which the JIT counts as done (it compiles the mesh's gRPC path in bursts). */
  static final int QUIET_LOOKS = 3;

  P1Rotation {
    if (slice < 1) {
      throw new IllegalArgumentException("slice must be ≥ 1: " + slice);
    }
  }

  /** The rotation the system properties {@code p1.slice}, {@code p1.order} and {@code p1.seed} name. */
  static P1Rotation fromSystemProperties() {
    String order = System.getProperty("p1.order", "shuffled");
    if (!order.equals("shuffled") && !order.equals("listed")) {
      throw new IllegalArgumentException("p1.order must be shuffled or listed: " + order);
    }
    return new P1Rotation(Integer.getInteger("p1.slice", 200), order.equals("shuffled"), Long.getLong("p1.seed", 1L));
  }

  /** A one-line description for a report's heading, e.g. {@code "slices of 1 call, shuffled per pass"}. */
  String describe() {
    return "slices of " + slice + (slice == 1 ? " call" : " calls") + ", " + (shuffled ? "shuffled per pass" : "listed order");
  }

  /**
   * Warms {@code clients} up: {@code minRounds} unmeasured rounds, then more, {@value #QUIET_ROUNDS} at a time, until
   * the JIT compiled for at most {@value #QUIET_MS} ms (the JVM's total compilation time) in each of the last
   * {@value #QUIET_LOOKS} looks, or {@code maxRounds} in all. A fixed third of the measured rounds was not enough:
   * the mesh's own methods, called only by its clients, were still in C1's code or waiting for C2 when the
   * measurement began, and reached C2 at a different moment in each JVM; the gRPC mesh's paired p50 came down from
   * +150 µs to its steady few µs only after some 130 rounds, in bursts (docs/benchmarks.md, ninth round, p1fix9).
   *
   * @return the warm-up rounds made and the compilation ms of the last look, as {@code {rounds, ms}}
   * @throws Exception what a client's call throws
   */
  long[] warmUp(List<Callable<Object>> clients, int minRounds, int maxRounds, int callsPerRound) throws Exception {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    run(clients, minRounds, callsPerRound, false);
    long rounds = minRounds;
    long compiling = -1;
    int quiet = 0;
    while (rounds < maxRounds && quiet < QUIET_LOOKS) {
      long before = jit.getTotalCompilationTime();
      run(clients, QUIET_ROUNDS, callsPerRound, false);
      rounds += QUIET_ROUNDS;
      compiling = jit.getTotalCompilationTime() - before;
      quiet = compiling <= QUIET_MS ? quiet + 1 : 0;
    }
    return new long[] {rounds, compiling};
  }

  /**
   * Makes {@code callsPerRound} calls with each of {@code clients} in each of {@code rounds} rounds, in this rotation's
   * order, and returns each call's time, ns: {@code out[client][round * callsPerRound + i]} for the client's
   * {@code i}-th call of the round. With {@code record} false the times are not kept (a warm-up) and null is returned.
   *
   * @throws IllegalArgumentException if {@code callsPerRound} is not a multiple of {@link #slice}
   * @throws Exception what a client's call throws
   */
  long[][] run(List<Callable<Object>> clients, int rounds, int callsPerRound, boolean record) throws Exception {
    return run(clients, rounds, callsPerRound, record, null);
  }

  /** {@link #run(List, int, int, boolean)}, charging each slice's thread counts to its client in {@code facts} if set. */
  long[][] run(List<Callable<Object>> clients, int rounds, int callsPerRound, boolean record, P1ThreadFacts facts)
      throws Exception {
    if (callsPerRound % slice != 0) {
      throw new IllegalArgumentException(callsPerRound + " calls per round is not a multiple of a slice of " + slice);
    }
    // a warm-up records too, so that the measured rounds run the code the JIT compiled for the warm-up's (a branch
    // first taken when measuring begins would send the loop back to the interpreter and to the JIT)
    long[][] out = new long[clients.size()][rounds * callsPerRound];
    Random random = new Random(seed);
    List<Integer> order = new ArrayList<>();
    for (int c = 0; c < clients.size(); c++) {
      order.add(c);
    }
    if (facts != null) {
      facts.mark();
    }
    for (int round = 0; round < rounds; round++) {
      for (int pass = 0; pass < callsPerRound / slice; pass++) {
        if (shuffled) {
          Collections.shuffle(order, random);
        }
        for (int c : order) {
          Callable<Object> client = clients.get(c);
          int at = round * callsPerRound + pass * slice;
          for (int i = 0; i < slice; i++) {
            long start = System.nanoTime();
            client.call();
            out[c][at + i] = System.nanoTime() - start;
          }
          if (facts != null) {
            facts.charge(c, slice);
          }
        }
      }
    }
    return record ? out : null;
  }
}
