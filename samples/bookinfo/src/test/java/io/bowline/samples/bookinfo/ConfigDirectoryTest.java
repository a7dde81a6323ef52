package io.bowline.samples.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ConfigDirectoryTest {

  @Test
  void applyLeavesExactlyTheGivenFiles() throws Exception {
    ConfigDirectory directory = ConfigDirectory.createTemporary();
    try {
      directory.apply(List.of(
          ConfigFile.text("10-rules.yaml", "test", "a: 1\n"), ConfigFile.text("30-jason.yaml", "test", "b: 2\n")));

      directory.apply(List.of(
          ConfigFile.text("10-rules.yaml", "test", "a: 1\n"), ConfigFile.text("30-half.yaml", "test", "c: 3\n")));

      assertThat(names(directory.path())).containsExactly("10-rules.yaml", "30-half.yaml");
      assertThat(directory.path().resolve("30-half.yaml")).hasContent("c: 3");
    } finally {
      directory.delete();
    }
    assertThat(directory.path()).doesNotExist();
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }
}
