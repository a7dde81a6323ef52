package io.bowline.runtime.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.noop.NoopCounter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A counter every call increments at once ({@code istio_requests_total}), incremented in each registry of its
 * composite registry directly: Micrometer's composite counter walks its children with an iterator per increment,
 * which escape analysis removes in some processes and not in others (about 40 bytes per call, twice with a composite
 * inside the composite). The counters incremented are those the composite counter holds: the same meter registered in
 * each non-composite registry of the composite's tree, under the id each composite on the way gives it (its own meter
 * filters: common tags, renames, denials), as Micrometer registers them.
 * Registries added to or removed from the composite, at any depth, are seen on the next increment: each increment
 * compares the composites' registries with those the counters were looked up for (a size and an identity lookup per
 * registry, no allocation), and looks them up again when they differ. A counter outside a composite registry, or one
 * the composite denied, is incremented as it is. Thread-safe.
 */
final class LeafCounters {
  private final Counter counter;
  private final CompositeMeterRegistry composite;
  private volatile Tree tree;

  /**
   * The composite registries of the tree when the counters were looked up, the registries each held then, and the
   * counters of the tree's non-composite registries.
   */
  private record Tree(CompositeMeterRegistry[] composites, MeterRegistry[][] members, Counter[] leaves) {
    /** Whether every composite still holds the registries it held then (and no others). */
    boolean current() {
      for (int i = 0; i < composites.length; i++) {
        Set<MeterRegistry> now = composites[i].getRegistries();
        MeterRegistry[] then = members[i];
        if (now.size() != then.length) {
          return false;
        }
        for (MeterRegistry r : then) {
          if (!now.contains(r)) {
            return false;
          }
        }
      }
      return true;
    }
  }

  /**
   * @param counter the counter as {@code registry} registered it
   * @param registry the registry it was registered in
   */
  LeafCounters(Counter counter, MeterRegistry registry) {
    this.counter = counter;
    // a composite registry makes a composite counter, or a no-op one when it denies the meter
    this.composite = registry instanceof CompositeMeterRegistry c && !(counter instanceof NoopCounter) ? c : null;
  }

  /** The counter as registered (what the registry shows). */
  Counter counter() {
    return counter;
  }

  /** Adds one, in every registry of the composite now. */
  void increment() {
    if (composite == null) {
      counter.increment();
      return;
    }
    Tree t = tree;
    if (t == null || !t.current()) {
      t = lookUp();
    }
    for (Counter c : t.leaves) {
      c.increment();
    }
  }

  /** The tree's registries now and the counter's meter in each non-composite one. */
  private Tree lookUp() {
    List<CompositeMeterRegistry> composites = new ArrayList<>();
    List<MeterRegistry[]> members = new ArrayList<>();
    Set<Counter> leaves = Collections.newSetFromMap(new IdentityHashMap<>());
    walk(composite, counter.getId(), composites, members, leaves);
    Tree t = new Tree(composites.toArray(new CompositeMeterRegistry[0]), members.toArray(new MeterRegistry[0][]),
        leaves.toArray(new Counter[0]));
    tree = t;
    return t;
  }

  /**
   * Registers the meter {@code id} in each registry {@code c} holds, as Micrometer's composite counter registers its
   * children: a composite inside registers it under its own filters' id, and passes that id on to its registries.
   * A leaf counter reached twice (the same meter of one registry) is counted once.
   */
  private static void walk(CompositeMeterRegistry c, Meter.Id id, List<CompositeMeterRegistry> composites,
      List<MeterRegistry[]> members, Set<Counter> leaves) {
    MeterRegistry[] now = c.getRegistries().toArray(new MeterRegistry[0]);
    composites.add(c);
    members.add(now);
    for (MeterRegistry r : now) {
      Counter child = Counter.builder(id.getName()).tags(id.getTagsAsIterable()).description(id.getDescription())
          .baseUnit(id.getBaseUnit()).register(r);
      if (child instanceof NoopCounter) {
        continue; // denied by that registry's filters
      }
      if (r instanceof CompositeMeterRegistry inner) {
        if (!composites.contains(inner)) {
          walk(inner, child.getId(), composites, members, leaves);
        }
      } else {
        leaves.add(child);
      }
    }
  }
}
