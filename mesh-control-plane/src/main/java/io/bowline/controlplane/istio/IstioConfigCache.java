package io.bowline.controlplane.istio;

import io.bowline.controlplane.istio.IstioConfigLoader.ParsedFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a configuration directory like {@link IstioConfigLoader#load(Path)}, but re-parses only the files
 * that changed since the previous load: each file's parse result is kept, keyed by its name, and reused while
 * its last-modified time and size are unchanged. A file modified less than {@value #RACY_SECONDS} s before it
 * was parsed may have changed again within the file system's timestamp granularity without a visible
 * change of time or size, so for such a file the content digest (SHA-256) decides instead. The result is the same as a full load (duplicates and
 * cross-file diagnostics are resolved anew every time); in a directory of thousands of documents a change
 * to one file costs the parse of that file only.
 *
 * <p>Thread-safe ({@link #load} is synchronized).
 */
public final class IstioConfigCache {

  /** Seconds within which a modification time is too close to the parse to be trusted (coarse clocks). */
  static final long RACY_SECONDS = 2;

  private record Entry(FileTime modified, long size, byte[] digest, Instant parsedAt, ParsedFile parsed) {

    boolean racy() {
      return !modified.toInstant().isBefore(parsedAt.minusSeconds(RACY_SECONDS));
    }
  }

  private final Path dir;
  private final Map<String, Entry> byFileName = new HashMap<>();

  /** @param dir the configuration directory (or one YAML file) */
  public IstioConfigCache(Path dir) {
    this.dir = dir;
  }

  /**
   * Loads the directory, re-parsing only changed, new files; removed files are forgotten.
   *
   * @return the configuration, as {@link IstioConfigLoader#load(Path)} returns it
   */
  public synchronized IstioConfig load() {
    if (!Files.isDirectory(dir)) {
      byFileName.clear();
      return IstioConfigLoader.load(dir);
    }
    List<Path> files;
    try {
      files = IstioConfigLoader.configFiles(dir);
    } catch (IOException e) {
      byFileName.clear();
      return IstioConfigLoader.load(dir);
    }
    Map<String, Entry> next = new HashMap<>();
    List<ParsedFile> parsed = new ArrayList<>(files.size());
    for (Path file : files) {
      String name = file.getFileName().toString();
      Entry entry = current(file, byFileName.get(name));
      next.put(name, entry);
      parsed.add(entry.parsed());
    }
    byFileName.clear();
    byFileName.putAll(next);
    return IstioConfigLoader.assemble(parsed);
  }

  /** The cached entry when the file is unchanged, else a fresh parse. */
  private static Entry current(Path file, Entry cached) {
    Instant now = Instant.now();
    BasicFileAttributes attributes;
    byte[] digest;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
      boolean sameStamp = cached != null && cached.modified().equals(attributes.lastModifiedTime())
          && cached.size() == attributes.size();
      if (sameStamp && !cached.racy()) {
        return cached;
      }
      digest = digest(Files.readAllBytes(file));
      if (sameStamp && Arrays.equals(digest, cached.digest())) {
        return new Entry(cached.modified(), cached.size(), digest, now, cached.parsed());
      }
    } catch (IOException e) {
      // Unreadable now: the parse reports it; an empty digest never matches a later read.
      return new Entry(FileTime.fromMillis(-1), -1, new byte[0], now, IstioConfigLoader.parseFile(file));
    }
    return new Entry(attributes.lastModifiedTime(), attributes.size(), digest, now,
        IstioConfigLoader.parseFile(file));
  }

  private static byte[] digest(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM provides SHA-256", e);
    }
  }
}
