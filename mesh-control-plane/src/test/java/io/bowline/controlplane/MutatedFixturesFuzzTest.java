package io.bowline.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.cli.CliRun;
import io.bowline.controlplane.cli.ControlPlaneCli;
import io.bowline.controlplane.translate.ClientView;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's fuzz suite: seeded mutations of every shared Istio fixture (type confusion, missing and huge
 * values, unknown kinds, duplicates, deep nesting, aliases, invalid UTF-8, CRLF, unicode) go through
 * {@code analyze} (the real CLI, {@code -o json}) each within a time and allocation budget; a sample of them is
 * also dropped into the directory of a running control plane with Bowline's runtime attached. No case may
 * crash or hang; every diagnostic names its file and place, and its resource unless the whole file is
 * unreadable; a rejected file leaves the last good configuration serving, an accepted one is ACKed.
 *
 * <p>Seed: {@code -Dbowline.fuzz.seed} (default 14); cases: {@code -Dbowline.fuzz.cases} (default 2,000);
 * every {@value #CONTROL_PLANE_EVERY}th case also goes through the control plane.
 */
class MutatedFixturesFuzzTest {

  private static final long SEED = Long.getLong("bowline.fuzz.seed", 14);
  private static final int CASES = Integer.getInteger("bowline.fuzz.cases", 2_000);
  private static final int CONTROL_PLANE_EVERY = 10;
  private static final Duration PER_FILE = Duration.ofSeconds(2);
  private static final long PER_FILE_ALLOCATION_BYTES = 512L * 1024 * 1024;
  private static final String[] TYPES = {
    "type.googleapis.com/envoy.config.listener.v3.Listener",
    "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
    "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"};
  private static final ClientView VIEW = ClientView.sidecar("default", Map.of("app", "productpage"), "", true);

  /** One command line per thread, reused (building one costs more than analyzing a small file). */
  private static final ThreadLocal<picocli.CommandLine> COMMAND_LINE =
      ThreadLocal.withInitial(ControlPlaneCli::commandLine);

  @TempDir
  Path work;

  private record Outcome(int exitCode, String json, long nanos, long allocatedBytes) {}

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void mutatedFixturesNeverCrashHangOrServeABadConfiguration() throws Exception {
    List<Path> fixtures;
    try (Stream<Path> files = Files.list(TestConfigs.istioFixtures())) {
      fixtures = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(fixtures).isNotEmpty();
    List<String> sources = new ArrayList<>();
    for (Path fixture : fixtures) {
      sources.add(Files.readString(fixture));
    }
    Path analyzed = Files.createDirectories(work.resolve("analyze"));
    Path served = Files.createDirectories(work.resolve("served"));
    Files.copy(TestConfigs.bookinfoServices(), served.resolve("00-services.yaml"));
    TestConfigs.write(served, "10-reviews.yaml", TestConfigs.reviewsRoute("reviews", "{host: reviews}"));

    YamlMutator mutator = new YamlMutator(SEED);
    List<String> crashes = new ArrayList<>();
    List<String> misplaced = new ArrayList<>();
    String slowest = "";
    long slowestNanos = 0;
    long maxAllocated = 0;
    int rejected = 0;
    int accepted = 0;
    resetPeaks();
    long started = System.nanoTime();
    long controlPlaneNanos = 0;
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "fuzz-analyze"));
    // reloads are driven by the test (the watcher's own reloads are covered by HostileReloadTest)
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(served).debounce(Duration.ofHours(1)).start();
        MeshClient client = MeshClient.builder().workload("productpage-1", "default").label("app", "productpage")
            .xdsServer("127.0.0.1:" + controlPlane.port()).build()) {
      client.awaitReady(Duration.ofSeconds(30));
      String lastGood = controlPlane.published().version();
      for (int i = 0; i < CASES; i++) {
        int source = i % sources.size();
        YamlMutator.Variant variant = mutator.mutate(fixtures.get(source).getFileName().toString(), sources.get(source));
        String caseName = "case " + i + " (seed " + SEED + "): " + variant.name();
        Path file = analyzed.resolve("case.yaml");
        Files.write(file, variant.bytes());

        Future<Outcome> run = worker.submit(() -> analyze(file));
        Outcome outcome;
        try {
          outcome = run.get(PER_FILE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          run.cancel(true);
          crashes.add(caseName + ": no answer within " + PER_FILE.toMillis() + " ms");
          continue;
        } catch (java.util.concurrent.ExecutionException e) {
          crashes.add(caseName + ": " + e.getCause());
          continue;
        }
        if (outcome.exitCode() != 0 && outcome.exitCode() != 1) {
          crashes.add(caseName + ": exit code " + outcome.exitCode());
          continue;
        }
        if (outcome.allocatedBytes() > PER_FILE_ALLOCATION_BYTES) {
          crashes.add(caseName + ": allocated " + outcome.allocatedBytes() / (1024 * 1024) + " MB");
        }
        if (outcome.nanos() > slowestNanos) {
          slowestNanos = outcome.nanos();
          slowest = caseName;
        }
        maxAllocated = Math.max(maxAllocated, outcome.allocatedBytes());
        checkPlaces(caseName, outcome.json(), misplaced);

        if (i % CONTROL_PLANE_EVERY == 0) {
          long controlPlaneStart = System.nanoTime();
          Files.write(served.resolve("50-fuzz.yaml"), variant.bytes());
          boolean published = controlPlane.reload();
          if (published) {
            accepted++;
            lastGood = controlPlane.published().version();
          } else {
            rejected++;
            assertThat(controlPlane.published().version()).as(caseName + " keeps the last good version")
                .isEqualTo(lastGood);
          }
          String expected = lastGood;
          await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
              .untilAsserted(() -> {
                for (String type : TYPES) {
                  assertThat(client.status().versionOf(type)).as(caseName + " " + type)
                      .isEqualTo(controlPlane.servedVersion(VIEW, type));
                }
                assertThat(controlPlane.servedPublish(VIEW)).as(caseName).isEqualTo(expected);
              });
          assertThat(controlPlane.acks().nacks()).as(caseName).isEmpty();
          Files.delete(served.resolve("50-fuzz.yaml"));
          controlPlaneNanos += System.nanoTime() - controlPlaneStart;
        }
      }
      assertThat(controlPlane.reload()).as("the base configuration is served again").isTrue();
    } finally {
      worker.shutdownNow();
    }
    long peakHeap = peakHeapBytes();
    long totalMillis = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("fuzz: %d cases (seed %d), %d crashes, %d misplaced diagnostics; control plane: %d accepted, "
            + "%d rejected; slowest %d ms (%s); most allocated by one file %d MB; peak heap %d MB; %d ms in all, "
            + "%d ms of it in the control plane%n",
        CASES, SEED, crashes.size(), misplaced.size(), accepted, rejected, slowestNanos / 1_000_000, slowest,
        maxAllocated / (1024 * 1024), peakHeap / (1024 * 1024), totalMillis, controlPlaneNanos / 1_000_000);
    assertThat(crashes).isEmpty();
    assertThat(misplaced).isEmpty();
  }

  private static Outcome analyze(Path file) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
    long start = System.nanoTime();
    CliRun run = CliRun.of(COMMAND_LINE.get(), "analyze", "-o", "json", file.toString());
    return new Outcome(run.exitCode(), run.out(), System.nanoTime() - start,
        threads.getCurrentThreadAllocatedBytes() - allocatedBefore);
  }

  /** Every diagnostic has a file and a line; all but whole-file ones (BLN0001) name a resource and field. */
  private static void checkPlaces(String caseName, String json, List<String> misplaced) {
    JsonObject document = JsonParser.parseString(json).getAsJsonObject();
    for (JsonElement element : document.getAsJsonArray("diagnostics")) {
      JsonObject d = element.getAsJsonObject();
      boolean wholeFile = d.get("code").getAsString().equals("BLN0001");
      boolean placed = d.get("file").getAsString().equals("case.yaml") && d.get("line").getAsInt() > 0
          && (wholeFile || !d.get("kind").getAsString().isEmpty() && !d.get("name").getAsString().isEmpty()
              && !d.get("field").getAsString().isEmpty());
      if (!placed) {
        misplaced.add(caseName + ": " + d);
      }
    }
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  private static long peakHeapBytes() {
    return ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(pool -> pool.getType() == MemoryType.HEAP)
        .mapToLong(pool -> pool.getPeakUsage().getUsed())
        .sum();
  }
}
