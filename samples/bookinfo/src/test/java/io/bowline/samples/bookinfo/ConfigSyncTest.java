package io.bowline.samples.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.bowline.api.ClientStatus;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.server.ViewServedListener;
import io.bowline.controlplane.translate.ClientView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;

/**
 * When a step counts as in effect, against the real control plane and the six workloads' real mesh
 * clients on loopback: not while the control plane is still serving the step's publish to the views
 * one after the other, even though every client has then ACKed what its view is served.
 */
class ConfigSyncTest {

  private static final Duration CONVERGENCE = Duration.ofSeconds(30);
  /** How long the step may wait while the control plane is held; it must give up, not return. */
  private static final Duration WHILE_HELD = Duration.ofMillis(500);
  private static final int PAGES = 20;

  @Test
  void aStepIsNotInEffectUntilEveryWorkloadsViewIsServedItsPublish() throws Exception {
    Step allV1 = StepPlan.ownYaml().steps().get(0);
    Step jasonV2 = StepPlan.ownYaml().steps().get(1);
    ServingGate gate = new ServingGate();
    try (BookinfoStage stage = BookinfoStage.start(gate)) {
      List<BookinfoWorkload> workloads = stage.app().workloads();
      String before = stage.rollOut(allV1.name(), allV1.files(), CONVERGENCE);
      gate.holdFirstOf(workloads.stream().map(BookinfoWorkload::view).collect(Collectors.toSet()), before);
      try {
        stage.write(jasonV2.files());
        ClientView servedFirst = gate.awaitHeld();
        BookinfoWorkload first = workloads.stream().filter(w -> w.view().equals(servedFirst)).findFirst().orElseThrow();
        LocalControlPlane cp = stage.controlPlane();
        await().atMost(CONVERGENCE).until(() -> ackedWhatItsViewIsServed(first, cp));
        assertThat(cp.servedPublish(first.view())).isEqualTo(cp.published().version()).isNotEqualTo(before);

        // The rest are still served the previous publish, and have ACKed exactly that: the per-type
        // check alone would call the step in effect here.
        List<BookinfoWorkload> unserved = workloads.stream().filter(w -> w != first).toList();
        assertThat(unserved).allSatisfy(w -> {
          assertThat(cp.servedPublish(w.view())).isEqualTo(before);
          assertThat(ackedWhatItsViewIsServed(w, cp)).as(w.name()).isTrue();
        });
        BookinfoWorkload productpage = workloads.get(0);
        if (unserved.contains(productpage)) {
          // what the flaky step 2 saw: productpage still routes jason by step 1
          assertThat(stage.probe().run(Caller.JASON, 1).versions()).isEqualTo(Map.of("v1", 1));
        }
        ThrowableAssert.ThrowingCallable inEffect =
            () -> stage.awaitInEffect(jasonV2.name(), jasonV2.files(), WHILE_HELD);
        var failure = assertThatThrownBy(inEffect).isInstanceOf(StepFailedException.class)
            .hasMessageContaining("config not in effect");
        for (BookinfoWorkload w : unserved) {
          failure.hasMessageContaining(w.name() + "'s view is served publish \"" + before + "\"");
        }
      } finally {
        gate.release();
      }

      String after = stage.awaitInEffect(jasonV2.name(), jasonV2.files(), CONVERGENCE);
      assertThat(Long.parseLong(after)).isGreaterThan(Long.parseLong(before));
      assertThat(stage.probe().run(Caller.JASON, PAGES).versions()).isEqualTo(Map.of("v2", PAGES));
      assertThat(stage.probe().run(Caller.ANONYMOUS, PAGES).versions()).isEqualTo(Map.of("v1", PAGES));
    }
  }

  private static boolean ackedWhatItsViewIsServed(BookinfoWorkload workload, LocalControlPlane cp) {
    ClientStatus status = workload.mesh().status();
    return ConfigSync.TYPE_URLS.stream().allMatch(type -> {
      String served = cp.servedVersion(workload.view(), type);
      return !served.isEmpty() && served.equals(status.versionOf(type));
    });
  }

  /**
   * Holds the control plane's serving thread right after it served, in a publish later than a
   * given one, the first of some views, so the views it serves after that keep the previous publish
   * until {@link #release()}.
   */
  private static final class ServingGate implements ViewServedListener {
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Set<ClientView> views = Set.of();
    private volatile long after = Long.MAX_VALUE;
    private volatile ClientView heldView;

    /** Holds at the first of {@code views} served in a publish after {@code publish}. */
    void holdFirstOf(Set<ClientView> views, String publish) {
      this.views = Set.copyOf(views);
      this.after = Long.parseLong(publish);
    }

    @Override
    public void onViewServed(ClientView view, String publish) {
      if (Long.parseLong(publish) <= after || !views.contains(view) || held.getCount() == 0) {
        return;
      }
      heldView = view;
      held.countDown();
      try {
        // bounded, so that a failing test cannot leave the control plane's thread parked forever
        released.await(CONVERGENCE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Waits until the serving thread is held; returns the view served last. */
    ClientView awaitHeld() throws InterruptedException {
      assertThat(held.await(CONVERGENCE.toMillis(), TimeUnit.MILLISECONDS))
          .as("the control plane served a workload's view a new publish").isTrue();
      return heldView;
    }

    void release() {
      released.countDown();
    }
  }
}
