package io.bowline.controlplane.istio;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.TestConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IstioConfigCacheTest {

  @TempDir
  Path dir;

  @Test
  void anUnchangedFileIsNotParsedAgainAndAChangedOneIs() throws Exception {
    TestConfigs.write(dir, "a.yaml", vs("a", "a1"));
    TestConfigs.write(dir, "b.yaml", vs("b", "b1"));
    age(dir.resolve("a.yaml"));
    age(dir.resolve("b.yaml"));
    IstioConfigCache cache = new IstioConfigCache(dir);
    IstioConfig first = cache.load();

    TestConfigs.write(dir, "b.yaml", vs("b", "b2"));
    IstioConfig second = cache.load();

    // The same parsed object for the unchanged file; the new content for the changed one.
    assertThat(second.virtualServices().get(0)).isSameAs(first.virtualServices().get(0));
    assertThat(second.virtualServices().get(1).hosts()).containsExactly("b2");
    assertThat(second).usingRecursiveComparison().isEqualTo(IstioConfigLoader.load(dir));
  }

  @Test
  void aRewriteWithTheSameSizeAndTimeIsSeenByItsContent() throws Exception {
    Path file = TestConfigs.write(dir, "a.yaml", vs("a", "h1"));
    FileTime stamp = FileTime.from(Instant.now());
    Files.setLastModifiedTime(file, stamp);
    IstioConfigCache cache = new IstioConfigCache(dir);
    assertThat(cache.load().virtualServices().get(0).hosts()).containsExactly("h1");

    // Same size, same time stamp (a coarse file-system clock): only the content tells.
    TestConfigs.write(dir, "a.yaml", vs("a", "h2"));
    Files.setLastModifiedTime(file, stamp);

    assertThat(cache.load().virtualServices().get(0).hosts()).containsExactly("h2");
  }

  @Test
  void removedFilesAndDuplicatesAcrossFilesResolveAsAFullLoadDoes() throws Exception {
    TestConfigs.write(dir, "a.yaml", vs("same", "from-a"));
    TestConfigs.write(dir, "b.yaml", vs("same", "from-b"));
    IstioConfigCache cache = new IstioConfigCache(dir);
    assertThat(cache.load().virtualServices()).singleElement()
        .satisfies(vs -> assertThat(vs.hosts()).containsExactly("from-b"));
    assertThat(cache.load().diagnostics()).hasSize(1);

    Files.delete(dir.resolve("b.yaml"));
    IstioConfig config = cache.load();

    assertThat(config.files()).containsExactly("a.yaml");
    assertThat(config.virtualServices()).singleElement()
        .satisfies(vs -> assertThat(vs.hosts()).containsExactly("from-a"));
    assertThat(config.diagnostics()).isEmpty();
  }

  @Test
  void aFileThatStopsParsingRejectsTheLoadLikeAFullLoad() {
    TestConfigs.write(dir, "a.yaml", vs("a", "h1"));
    IstioConfigCache cache = new IstioConfigCache(dir);
    assertThat(cache.load().hasErrors()).isFalse();

    TestConfigs.write(dir, "a.yaml", "{{{ not yaml");

    IstioConfig config = cache.load();
    assertThat(config.hasErrors()).isTrue();
    assertThat(config.diagnostics()).isEqualTo(IstioConfigLoader.load(dir).diagnostics());
  }

  private static void age(Path file) throws Exception {
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(60)));
  }

  private static String vs(String name, String host) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: %s
        spec:
          hosts: [%s]
        """.formatted(name, host);
  }
}
