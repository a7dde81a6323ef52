package io.bowline.controlplane.istio;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where each field of each loaded resource is written: the 1-based line and column of a field path (as
 * diagnostics name fields, for example {@code spec.http[0].route[1].destination.subset}) in the resource's
 * file, packed into one {@code long} by {@link #position}. A field
 * that is not written (a missing required one) is placed at its nearest written parent, and a resource
 * itself at the first line of its document. Thread-safe; filled while loading, read afterwards.
 */
public final class SourceLines {

  /** Knows no lines: every lookup answers 0 (unknown). */
  public static final SourceLines NONE = new SourceLines();

  private final Map<ResourceRef, Map<String, Long>> byResource = new ConcurrentHashMap<>();
  /** When not null, the lines of each file (keyed by file name), and {@link #byResource} is unused. */
  private final Map<String, SourceLines> byFile;

  /** Empty; filled by {@link #put}. */
  SourceLines() {
    this.byFile = null;
  }

  private SourceLines(Map<String, SourceLines> byFile) {
    this.byFile = Map.copyOf(byFile);
  }

  /** The lines of several files, each known by the file's own {@code SourceLines} (not copied: O(files)). */
  static SourceLines byFile(Map<String, SourceLines> byFile) {
    return new SourceLines(byFile);
  }

  void put(ResourceRef ref, Map<String, Long> lines) {
    if (this == NONE) {
      return;
    }
    if (byFile != null) {
      throw new IllegalStateException("lines combined by file are read-only");
    }
    byResource.put(ref, Map.copyOf(lines));
  }

  /** Packs a 1-based line and column into one position. */
  static long position(int line, int column) {
    return ((long) line << 32) | (column & 0xffffffffL);
  }

  /** The line of a {@link #position}; 0 when unknown. */
  static int line(long position) {
    return (int) (position >>> 32);
  }

  /** The column of a {@link #position}; 0 when unknown. */
  static int column(long position) {
    return (int) position;
  }

  /**
   * The line of {@code field} in {@code ref}'s file, or of its nearest written parent.
   *
   * @return a 1-based line number, or 0 when the resource is unknown
   */
  public int lineOf(ResourceRef ref, String field) {
    return line(positionOf(ref, field));
  }

  /**
   * The {@link #position} (line and column) of {@code field} in {@code ref}'s file, or of its nearest written
   * parent; 0 when the resource is unknown.
   */
  long positionOf(ResourceRef ref, String field) {
    if (byFile != null) {
      SourceLines file = byFile.get(ref.file());
      return file == null ? 0 : file.positionOf(ref, field);
    }
    Map<String, Long> lines = byResource.get(ref);
    if (lines == null) {
      return 0;
    }
    String path = field == null ? "" : field;
    while (true) {
      Long line = lines.get(path);
      if (line != null) {
        return line;
      }
      if (path.isEmpty()) {
        return 0;
      }
      path = parent(path);
    }
  }

  private static String parent(String path) {
    int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return cut < 0 ? "" : path.substring(0, cut);
  }
}
