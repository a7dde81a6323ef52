package io.bowline.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What Linux counts for one thread of this process ({@code /proc/self/task/N}). */
final class ProcTasks {
  private ProcTasks() {}

  /**
   * The thread's voluntary and involuntary context switches so far ({@code voluntary_ctxt_switches},
   * {@code nonvoluntary_ctxt_switches} of {@code task/status}), in that order.
   */
  static long[] contextSwitches(Path task) throws IOException {
    long[] out = new long[2];
    for (String line : Files.readAllLines(task.resolve("status"))) {
      if (line.startsWith("voluntary_ctxt_switches:")) {
        out[0] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
        out[1] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return out;
  }
}
