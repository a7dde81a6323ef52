package io.bowline.samples.bookinfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The directory the local control plane watches, changed the way an operator would: files that
 * leave the config are deleted, files that join it are written next door and moved in atomically,
 * so the watcher never reads half a file. Unchanged files are left alone.
 */
final class ConfigDirectory {

  private final Path root;
  private final Path config;
  private final Path staging;

  private ConfigDirectory(Path root) throws IOException {
    this.root = root;
    this.config = Files.createDirectories(root.resolve("config"));
    this.staging = Files.createDirectories(root.resolve("staging"));
  }

  /** Creates an empty config directory (and its staging directory) in a new temporary directory. */
  static ConfigDirectory createTemporary() throws IOException {
    return new ConfigDirectory(Files.createTempDirectory("bowline-bookinfo-"));
  }

  /** The directory the control plane serves. */
  Path path() {
    return config;
  }

  /**
   * Makes the directory hold exactly {@code files}: deletes the files not among them, then writes
   * those that are new or whose content changed.
   */
  void apply(List<ConfigFile> files) throws IOException {
    Set<String> wanted = files.stream().map(ConfigFile::name).collect(Collectors.toSet());
    try (Stream<Path> present = Files.list(config)) {
      for (Path file : present.toList()) {
        if (!wanted.contains(file.getFileName().toString())) {
          Files.delete(file);
        }
      }
    }
    for (ConfigFile file : files) {
      Path target = config.resolve(file.name());
      if (Files.exists(target) && Arrays.equals(Files.readAllBytes(target), file.content())) {
        continue;
      }
      Path staged = staging.resolve(file.name());
      Files.write(staged, file.content());
      Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Deletes the temporary directory and everything in it. */
  void delete() throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
