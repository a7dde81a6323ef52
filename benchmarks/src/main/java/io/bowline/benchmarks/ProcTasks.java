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

  /**
   * The thread's read-like and write-like system calls so far ({@code syscr} and {@code syscw} of {@code task/io}: every
   * read, recv, write, send and their vector forms, on sockets as on files), in that order; zeros if not shown.
   */
  static long[] ioCalls(Path task) throws IOException {
    long[] out = new long[2];
    for (String line : Files.readAllLines(task.resolve("io"))) {
      if (line.startsWith("syscr:")) {
        out[0] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      } else if (line.startsWith("syscw:")) {
        out[1] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return out;
  }

  /** The thread's CPU migrations so far ({@code se.nr_migrations} of {@code task/sched}), or 0 if not shown. */
  static long migrations(Path task) throws IOException {
    for (String line : Files.readAllLines(task.resolve("sched"))) {
      if (line.startsWith("se.nr_migrations")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return 0;
  }

  /** The thread's user plus system CPU time so far, in clock ticks ({@code utime} and {@code stime} of {@code task/stat}). */
  static long cpuTicks(Path task) throws IOException {
    String stat = Files.readString(task.resolve("stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }
}
