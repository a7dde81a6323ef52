package io.bowline.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.bowline.controlplane.TestConfigs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code analyze -o json} (and {@code -o yaml}, the same document) for every shared Istio fixture validates
 * against the documented schema, docs/analyze-output.schema.json.
 */
class AnalyzeJsonSchemaTest {

  private static final Path SCHEMA = Path.of("../docs/analyze-output.schema.json");

  private static Schema schema() throws IOException {
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(Files.readString(SCHEMA));
  }

  private static Stream<Path> fixtures() {
    try {
      return Files.list(TestConfigs.istioFixtures()).filter(f -> f.toString().endsWith(".yaml")).sorted();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String analyze(String format, Path path) {
    CliRun run = CliRun.of("analyze", "-o", format, path.toString());
    assertThat(run.exitCode()).isIn(ControlPlaneCli.OK, ControlPlaneCli.CONFIG_ERRORS);
    return run.out();
  }

  @TestFactory
  Stream<DynamicTest> everyFixturesJsonAndYamlOutputValidatesAgainstTheSchema() throws IOException {
    Schema schema = schema();
    return fixtures().map(fixture -> DynamicTest.dynamicTest(fixture.getFileName().toString(), () -> {
      assertThat(schema.validate(analyze("json", fixture), InputFormat.JSON)).isEmpty();
      assertThat(schema.validate(analyze("yaml", fixture), InputFormat.YAML)).isEmpty();
    }));
  }

  @TestFactory
  Stream<DynamicTest> hostileOutputValidatesToo() throws IOException {
    Schema schema = schema();
    return Stream.of("spec: [unclosed", "kind: [x]\napiVersion: {}\nmetadata: 7", "\u0000\u0001")
        .map(text -> DynamicTest.dynamicTest(text.replaceAll("\\p{Cntrl}", "?"), () -> {
          Path dir = Files.createTempDirectory("analyze-schema");
          try {
            Files.writeString(dir.resolve("bad.yaml"), text);
            assertThat(schema.validate(analyze("json", dir), InputFormat.JSON)).isEmpty();
          } finally {
            Files.deleteIfExists(dir.resolve("bad.yaml"));
            Files.delete(dir);
          }
        }));
  }
}
