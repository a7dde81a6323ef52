package io.bowline.controlplane.istio;

import io.bowline.controlplane.istio.IstioConfigLoader.ParsedDocument;
import io.bowline.controlplane.istio.IstioConfigLoader.ParsedFile;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
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
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a configuration directory like {@link IstioConfigLoader#load(Path)}, but re-parses only the files
 * that changed since the previous load: each file's parse result is kept, keyed by its name, and reused while
 * its last-modified time and size are unchanged. A file modified less than {@value #RACY_SECONDS} s before it
 * was parsed may have changed again within the file system's timestamp granularity without a visible
 * change of time or size, so for such a file the content digest (SHA-256) decides instead. The result is the
 * same as a full load. Each file is also assembled on its own once per parse; while no resource
 * (kind/namespace/name) is defined in two files, the configuration is the concatenation of those (see
 * {@link #concatenate}), so in a directory of thousands of documents a change to one file costs the parse of
 * that file and a copy of the resource lists; with duplicates across files everything is assembled anew.
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

  /** The identity under which the loader resolves duplicates: kind, namespace, name. */
  private record Key(String kind, String namespace, String name) {}

  /** A file assembled on its own, and the resource identities it defines. */
  private record Assembled(IstioConfig config, List<Key> keys) {}

  private final Path dir;
  private final Map<String, Entry> byFileName = new HashMap<>();
  /** Each parsed file assembled alone, by parse result (identity). */
  private final Map<ParsedFile, Assembled> assembled = new IdentityHashMap<>();
  /** How many of the current files define each resource identity. */
  private final Map<Key, Integer> definitions = new HashMap<>();
  /** How many identities more than one current file defines. */
  private int duplicated;

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
      reset();
      return IstioConfigLoader.load(dir);
    }
    List<Path> files;
    try {
      files = IstioConfigLoader.configFiles(dir);
    } catch (IOException e) {
      reset();
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
    byFileName.values().stream().map(Entry::parsed).filter(file -> !next.containsKey(file.fileName())
            || next.get(file.fileName()).parsed() != file)
        .forEach(this::forget);
    next.values().stream().map(Entry::parsed).filter(file -> !assembled.containsKey(file)).forEach(this::add);
    byFileName.clear();
    byFileName.putAll(next);
    if (duplicated == 0) {
      IstioConfig combined = concatenate(parsed);
      if (combined != null) {
        return combined;
      }
    }
    return IstioConfigLoader.assemble(parsed);
  }

  private void reset() {
    byFileName.clear();
    assembled.clear();
    definitions.clear();
    duplicated = 0;
  }

  private void add(ParsedFile file) {
    List<Key> keys = file.documents().stream().filter(ParsedDocument::registered)
        .map(document -> new Key(document.ref().kind(), document.ref().namespace(), document.ref().name()))
        .distinct().toList();
    assembled.put(file, new Assembled(IstioConfigLoader.assemble(List.of(file)), keys));
    for (Key key : keys) {
      if (definitions.merge(key, 1, Integer::sum) == 2) {
        duplicated++;
      }
    }
  }

  private void forget(ParsedFile file) {
    Assembled gone = assembled.remove(file);
    if (gone == null) {
      return;
    }
    for (Key key : gone.keys()) {
      int left = definitions.merge(key, -1, Integer::sum);
      if (left == 1) {
        duplicated--;
      } else if (left == 0) {
        definitions.remove(key);
      }
    }
  }

  /**
   * The configuration of {@code files} from each file assembled alone. When no resource identity is
   * defined in two files, the loader's duplicate resolution never crosses a file, so assembling all files
   * gives each kind's resources file by file, in file order (Kubernetes Services before ServiceEntries),
   * and the diagnostics file by file: that is what this concatenates, generically over the components of
   * {@link IstioConfig} (lists concatenated, maps merged), in time proportional to the number of files
   * plus a copy of the lists, instead of re-registering every document. Null when a component is of a
   * shape this does not know how to combine (the caller then assembles everything).
   */
  private IstioConfig concatenate(List<ParsedFile> files) {
    RecordComponent[] components = IstioConfig.class.getRecordComponents();
    Object[] values = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    try {
      for (int i = 0; i < components.length; i++) {
        RecordComponent component = components[i];
        types[i] = component.getType();
        if (component.getName().equals("files")) {
          values[i] = files.stream().map(ParsedFile::fileName).toList();
        } else if (component.getType() == SourceLines.class) {
          Map<String, SourceLines> lines = new LinkedHashMap<>();
          files.forEach(file -> lines.put(file.fileName(), file.lines()));
          values[i] = SourceLines.byFile(lines);
        } else if (component.getType() == List.class) {
          List<Object> all = new ArrayList<>();
          for (ParsedFile file : files) {
            all.addAll((List<?>) component.getAccessor().invoke(assembled.get(file).config()));
          }
          if (component.getName().equals("serviceEntries")) {
            all = kubernetesServicesFirst(all);
          }
          values[i] = all;
        } else if (component.getType() == Map.class) {
          Map<Object, Object> all = new LinkedHashMap<>();
          for (ParsedFile file : files) {
            all.putAll((Map<?, ?>) component.getAccessor().invoke(assembled.get(file).config()));
          }
          values[i] = all;
        } else if (component.getType().isRecord()) {
          List<Object> parts = new ArrayList<>(files.size());
          for (ParsedFile file : files) {
            parts.add(component.getAccessor().invoke(assembled.get(file).config()));
          }
          values[i] = concatenateLists(component.getType(), parts);
          if (values[i] == null) {
            return null;
          }
        } else {
          return null;
        }
      }
      return IstioConfig.class.getDeclaredConstructor(types).newInstance(values);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  /**
   * A record of lists (such as {@link SecurityPolicies}) whose every list is the concatenation of
   * {@code parts}' lists, in order; null when a component is not a list.
   */
  private static Object concatenateLists(Class<?> type, List<Object> parts) throws ReflectiveOperationException {
    RecordComponent[] components = type.getRecordComponents();
    Object[] values = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      if (types[i] != List.class) {
        return null;
      }
      List<Object> all = new ArrayList<>();
      for (Object part : parts) {
        all.addAll((List<?>) components[i].getAccessor().invoke(part));
      }
      values[i] = all;
    }
    return type.getDeclaredConstructor(types).newInstance(values);
  }

  /** The loader lists Kubernetes Services (ServiceEntries of kind Service) before all ServiceEntries. */
  private static List<Object> kubernetesServicesFirst(List<Object> entries) {
    List<Object> ordered = new ArrayList<>(entries.size());
    entries.stream().filter(IstioConfigCache::isKubernetesService).forEach(ordered::add);
    entries.stream().filter(entry -> !isKubernetesService(entry)).forEach(ordered::add);
    return ordered;
  }

  private static boolean isKubernetesService(Object entry) {
    return entry instanceof ServiceEntry serviceEntry && serviceEntry.ref().kind().equals("Service");
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
      if (attributes.size() > YamlDocuments.MAX_FILE_BYTES) {
        // never read whole: the parse refuses it by its size alone
        return new Entry(attributes.lastModifiedTime(), attributes.size(), new byte[0], now,
            IstioConfigLoader.parseFile(file));
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
