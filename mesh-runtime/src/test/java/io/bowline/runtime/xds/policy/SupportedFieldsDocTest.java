package io.bowline.runtime.xds.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/supported-fields.md is generated from the table and must match it. */
class SupportedFieldsDocTest {
  private static final Path DOC = Path.of("..", "docs", "supported-fields.md");

  @Test
  void theSupportedFieldListInDocsMatchesTheCode() throws Exception {
    String generated = SupportedFieldsDoc.markdown();
    if (Boolean.getBoolean("bowline.regenerateDocs")) {
      Files.writeString(DOC, generated, StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
        .as("docs/supported-fields.md is stale: run SupportedFieldsDocTest with -Dbowline.regenerateDocs=true")
        .isEqualTo(generated);
  }
}
