package io.bowline.runtime.common;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * A small lock-free cache keyed by object identity (for compiled forms of immutable config
 * records). Collisions overwrite; a miss recomputes. No allocation on a hit.
 */
public final class IdentityCache<K, V> {
  private record Entry<K, V>(K key, V value) {}

  private final AtomicReferenceArray<Entry<K, V>> slots;
  private final int mask;

  /** @param sizePowerOfTwo number of slots, a power of two */
  public IdentityCache(int sizePowerOfTwo) {
    this.slots = new AtomicReferenceArray<>(sizePowerOfTwo);
    this.mask = sizePowerOfTwo - 1;
  }

  public V get(K key, Function<? super K, ? extends V> compute) {
    int i = System.identityHashCode(key) & mask;
    Entry<K, V> e = slots.get(i);
    if (e != null && e.key == key) {
      return e.value;
    }
    V v = compute.apply(key);
    slots.set(i, new Entry<>(key, v));
    return v;
  }
}
