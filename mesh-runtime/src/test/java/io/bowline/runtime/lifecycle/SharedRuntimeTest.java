package io.bowline.runtime.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shared runtime's reference count: the last release stops what was started; the next use starts anew. */
class SharedRuntimeTest {

  @Test
  void theLastReleaseStopsEveryStartedServiceAndTheNextUseStartsANewOne() {
    AtomicInteger starts = new AtomicInteger();
    List<Integer> stopped = new ArrayList<>();
    SharedRuntime.Service<Integer> service = SharedRuntime.service("test", starts::incrementAndGet, stopped::add);
    assertThat(SharedRuntime.references()).as("no mesh client open in this JVM").isZero();

    SharedRuntime.Lease a = SharedRuntime.acquire();
    SharedRuntime.Lease b = SharedRuntime.acquire();
    assertThat(service.peek()).as("started on first use only").isNull();
    assertThat(service.get()).isEqualTo(1);
    assertThat(service.get()).isEqualTo(1);
    a.close();
    a.close(); // a second close of one lease releases nothing more
    assertThat(SharedRuntime.references()).isEqualTo(1);
    assertThat(stopped).isEmpty();

    b.close();
    assertThat(stopped).containsExactly(1);
    assertThat(service.peek()).isNull();
    assertThat(service.get()).as("a later use starts a new instance").isEqualTo(2);
    assertThat(SharedRuntime.references()).isZero();
    SharedRuntime.acquire().close(); // stops it again
    assertThat(stopped).containsExactly(1, 2);
  }
}
