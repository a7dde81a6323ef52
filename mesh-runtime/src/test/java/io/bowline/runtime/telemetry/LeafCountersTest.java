package io.bowline.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * {@code istio_requests_total}'s increments in each registry of a composite, made directly, count as Micrometer's
 * composite counter counts them: at once, in every registry the composite holds at the time (at any depth), none in
 * a registry removed, none twice in a registry reached twice, and nothing where a registry denies the meter.
 */
class LeafCountersTest {
  private static Counter counter(MeterRegistry r) {
    return Counter.builder("istio.requests").tag("response_code", "200").register(r);
  }

  private static double count(MeterRegistry r) {
    Counter c = r.find("istio.requests").counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void countsAtOnceInTheRegistriesTheCompositeHoldsWhenAdded() {
    CompositeMeterRegistry composite = new CompositeMeterRegistry();
    SimpleMeterRegistry first = new SimpleMeterRegistry();
    composite.add(first);
    LeafCounters requests = new LeafCounters(counter(composite), composite);
    requests.increment();
    assertThat(count(first)).isEqualTo(1);
    assertThat(requests.counter().count()).isEqualTo(1);

    SimpleMeterRegistry later = new SimpleMeterRegistry(); // added after the meter: counts from then on
    composite.add(later);
    requests.increment();
    requests.increment();
    assertThat(count(first)).isEqualTo(3);
    assertThat(count(later)).isEqualTo(2);

    composite.remove(first);
    requests.increment();
    assertThat(count(first)).isEqualTo(3);
    assertThat(count(later)).isEqualTo(3);
  }

  @Test
  void countsInANestedCompositesRegistriesOnceEachAndNotWhereDenied() {
    CompositeMeterRegistry outer = new CompositeMeterRegistry();
    CompositeMeterRegistry inner = new CompositeMeterRegistry(); // as Micrometer's global registry inside the client's
    SimpleMeterRegistry shared = new SimpleMeterRegistry();
    SimpleMeterRegistry denying = new SimpleMeterRegistry();
    denying.config().meterFilter(MeterFilter.denyNameStartsWith("istio"));
    outer.add(inner);
    outer.add(shared);
    inner.add(shared);
    LeafCounters requests = new LeafCounters(counter(outer), outer);
    requests.increment();
    assertThat(count(shared)).isEqualTo(1);

    SimpleMeterRegistry innerLater = new SimpleMeterRegistry();
    inner.add(innerLater); // a change inside the inner composite is seen too
    inner.add(denying);
    requests.increment();
    assertThat(count(shared)).isEqualTo(2);
    assertThat(count(innerLater)).isEqualTo(1);
    assertThat(count(denying)).isZero();
  }

  @Test
  void countsUnderTheIdANestedCompositesOwnFiltersGiveTheMeter() {
    CompositeMeterRegistry outer = new CompositeMeterRegistry();
    CompositeMeterRegistry inner = new CompositeMeterRegistry();
    inner.config().commonTags("mesh", "bowline"); // applied by the inner composite, as Micrometer's composite counter does
    SimpleMeterRegistry leaf = new SimpleMeterRegistry();
    inner.add(leaf);
    outer.add(inner);
    LeafCounters requests = new LeafCounters(counter(outer), outer);
    requests.increment();
    requests.increment();
    Counter tagged = leaf.find("istio.requests").tag("mesh", "bowline").counter();
    assertThat(tagged).isNotNull();
    assertThat(tagged.count()).isEqualTo(2);
    // Micrometer may also hold the meter under the outer id in the leaf; it must not be what counts
    assertThat(leaf.find("istio.requests").counters()).filteredOn(c -> c.getId().getTag("mesh") == null)
        .allSatisfy(c -> assertThat(c.count()).isZero());
  }

  @Test
  void aCounterOutsideACompositeOrDeniedByItIsIncrementedAsItIs() {
    SimpleMeterRegistry plain = new SimpleMeterRegistry();
    LeafCounters requests = new LeafCounters(counter(plain), plain);
    requests.increment();
    assertThat(count(plain)).isEqualTo(1);

    CompositeMeterRegistry denied = new CompositeMeterRegistry();
    denied.config().meterFilter(MeterFilter.denyNameStartsWith("istio"));
    SimpleMeterRegistry member = new SimpleMeterRegistry();
    denied.add(member);
    LeafCounters none = new LeafCounters(counter(denied), denied);
    none.increment();
    assertThat(count(member)).isZero();
  }
}
