package io.bowline.benchmarks;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Every object the calling thread allocates per counted call of {@link P1PerCallCounts}, by class and allocation
 * site, exactly: run the client with {@code -XX:-UseTLAB} and JFR's {@code jdk.ObjectAllocationOutsideTLAB} event
 * (with stack traces) on, so that every allocation is one event, then aggregate the recording here. Only the events
 * of thread {@code main} under {@code P1PerCallCounts.main} at the counted call's line are kept (not the warm-up).
 * Arguments: recording, calls counted, that line, mode ({@code site}: class and the first {@code depth} frames;
 * {@code bowline}: class, first frame and the {@code io.bowline} frames; {@code entry}: the first {@code io.bowline.runtime}
 * frame), depth. {@code -Dtop=N} rows. Example in docs/benchmarks.md (tenth round, pipe10).
 */
public final class AllocationSites {
  private AllocationSites() {}

  public static void main(String[] a) throws Exception {
    Path p = Path.of(a[0]);
    double calls = Double.parseDouble(a[1]);
    int line = Integer.parseInt(a[2]);
    String mode = a[3];
    int depth = a.length > 4 ? Integer.parseInt(a[4]) : 4;
    Map<String, long[]> agg = new HashMap<>();
    long total = 0, count = 0;
    try (RecordingFile rf = new RecordingFile(p)) {
      while (rf.hasMoreEvents()) {
        RecordedEvent e = rf.readEvent();
        if (!e.getEventType().getName().equals("jdk.ObjectAllocationOutsideTLAB")) continue;
        RecordedThread t = e.getThread();
        if (t == null || !"main".equals(t.getJavaName())) continue;
        RecordedStackTrace st = e.getStackTrace();
        if (st == null) continue;
        List<RecordedFrame> fr = st.getFrames();
        boolean counted = false;
        for (RecordedFrame f : fr) {
          if (f.getMethod().getType().getName().endsWith("P1PerCallCounts") && f.getMethod().getName().equals("main")) {
            counted = f.getLineNumber() == line;
          }
        }
        if (!counted) continue;
        long size = e.getLong("allocationSize");
        String cls = e.getClass("objectClass").getName();
        StringBuilder key = new StringBuilder(cls);
        if (mode.equals("site") || mode.equals("bowline")) {
          int n = 0;
          for (RecordedFrame f : fr) {
            String m = f.getMethod().getType().getName() + "." + f.getMethod().getName();
            if (mode.equals("bowline") && n > 0 && !m.startsWith("io.bowline")) continue;
            key.append(n == 0 ? " @ " : " < ").append(m).append(':').append(f.getLineNumber());
            if (++n >= depth) break;
          }
        } else if (mode.equals("entry")) {
          key.setLength(0);
          for (RecordedFrame f : fr) {
            String m = f.getMethod().getType().getName();
            if (m.startsWith("io.bowline.runtime")) { key.append(m).append('.').append(f.getMethod().getName()).append(':').append(f.getLineNumber()); break; }
          }
          if (key.length() == 0) key.append("-");
        }
        long[] v = agg.computeIfAbsent(key.toString(), k -> new long[2]);
        v[0] += size; v[1]++;
        total += size; count++;
      }
    }
    System.out.printf("total %.1f B, %.2f objects per call%n", total / calls, count / calls);
    agg.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0])).limit(Integer.parseInt(System.getProperty("top", "80")))
        .forEach(en -> System.out.printf("%8.1f B %6.2f  %s%n", en.getValue()[0] / calls, en.getValue()[1] / calls, en.getKey()));
  }
}
