package io.bowline.samples.consumer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bowline.api.MeshClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * snakeyaml is optional in mesh-runtime and this application does not declare it: a YAML static
 * config is refused when the client is built, with an error naming the file and the artifact to add
 * (JSON files load without it: the other consumer tests route with one).
 */
class StaticYamlWithoutSnakeyamlTest {
  @Test
  void aYamlFileIsRefusedNamingTheFileAndTheLibrary(@TempDir Path dir) throws Exception {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("org.yaml.snakeyaml.Yaml"));
    Path envoy = dir.resolve("envoy.yaml");
    Files.writeString(envoy, "static_resources:\n  clusters: []\n");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MeshClient.builder().workload("consumer", "default").staticConfig(envoy).build().close());

    assertTrue(e.getMessage().contains(envoy.toString()) && e.getMessage().contains("org.yaml:snakeyaml"), e.getMessage());
  }
}
