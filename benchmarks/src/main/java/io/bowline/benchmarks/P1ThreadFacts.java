package io.bowline.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Per-JVM facts of a P1 run, per client: what each client's measured slices cost every thread of the process, by
 * thread group (the thread's name without digits; the calling thread is {@code java}), per call: voluntary and
 * involuntary context switches and CPU migrations ({@code /proc/self/task/N/status} and {@code sched}), and CPU time
 * ({@code /proc/self/task/N/stat}, in clock ticks, so only its sum over many calls means anything). A snapshot is taken
 * between slices, outside the timed calls, and the difference goes to the client of the slice just made. On a 2-CPU
 * machine a thread that hands a call on to a thread on the other CPU pays that CPU's wake-up from idle, so the
 * migrations and switches per call are what can tell two JVMs of the same jar apart when their mesh rows differ
 * (docs/benchmarks.md, tenth round, grpc10). On with {@code -Dp1.facts=true}.
 */
final class P1ThreadFacts {
  private static final Path TASKS = Path.of("/proc/self/task");
  /** Per client: group → {voluntary, involuntary, migrations, cpu ticks}. */
  private final List<Map<String, long[]>> perClient;
  private final long[] calls;
  private Map<Integer, long[]> last;
  private final Map<Integer, String> names = new HashMap<>();

  private P1ThreadFacts(int clients) {
    perClient = Stream.generate(() -> (Map<String, long[]>) new TreeMap<String, long[]>()).limit(clients).toList();
    calls = new long[clients];
  }

  /** A recorder for {@code clients} clients when {@code -Dp1.facts=true}, else {@code null}. */
  static P1ThreadFacts ifEnabled(int clients) {
    return Boolean.getBoolean("p1.facts") ? new P1ThreadFacts(clients) : null;
  }

  /** Takes the snapshot that starts the next slice. */
  void mark() {
    last = snapshot();
  }

  /** Charges what the threads did since the last {@link #mark} to {@code client}'s {@code n} calls, and marks. */
  void charge(int client, int n) {
    Map<Integer, long[]> now = snapshot();
    Map<String, long[]> groups = perClient.get(client);
    now.forEach((tid, a) -> {
      long[] b = last.get(tid);
      long[] g = groups.computeIfAbsent(names.get(tid), k -> new long[4]);
      for (int i = 0; i < 4; i++) {
        g[i] += a[i] - (b == null ? 0 : b[i]);
      }
    });
    calls[client] += n;
    last = now;
  }

  /** Prints, per client, the groups whose switches or migrations per call are at least 0.005. */
  void print(List<String> clientNames) {
    System.out.printf("%nper call, by thread group, measured slices only: voluntary / involuntary switches,"
        + " migrations, CPU µs (from clock ticks)%n");
    for (int c = 0; c < clientNames.size(); c++) {
      System.out.printf("%s (%d calls)%n", clientNames.get(c), calls[c]);
      double n = calls[c];
      perClient.get(c).forEach((group, g) -> {
        if ((g[0] + g[1] + g[2]) / n >= 0.005) {
          System.out.printf("  %-24s vcsw %6.3f  ivcsw %6.3f  migr %6.3f  cpu %6.1f%n", group, g[0] / n, g[1] / n,
              g[2] / n, g[3] * 10_000.0 / n);
        }
      });
    }
  }

  private Map<Integer, long[]> snapshot() {
    Map<Integer, long[]> out = new HashMap<>();
    try (Stream<Path> tasks = Files.list(TASKS)) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        int tid = Integer.parseInt(task.getFileName().toString());
        try {
          long[] cs = ProcTasks.contextSwitches(task);
          out.put(tid, new long[] {cs[0], cs[1], ProcTasks.migrations(task), ProcTasks.cpuTicks(task)});
          names.computeIfAbsent(tid, t -> name(task));
        } catch (IOException | RuntimeException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + TASKS, e);
    }
    return out;
  }

  private static String name(Path task) {
    try {
      return Files.readString(task.resolve("comm")).trim().replaceAll("[0-9]+", "");
    } catch (IOException e) {
      return "?";
    }
  }
}
