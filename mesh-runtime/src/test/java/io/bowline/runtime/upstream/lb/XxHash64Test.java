package io.bowline.runtime.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** xxHash64 seed 0 against the reference implementation's outputs (libxxhash 0.8.1). */
class XxHash64Test {

  @ParameterizedTest(name = "xxh64(\"{0}\") = {1}")
  @CsvSource(delimiter = '|', value = {
    "''|ef46db3751d8e999",
    "a|d24ec4f1a98c6e5b",
    "abc|44bc2cf5ad770999",
    "0123456789abcdef0123456789abcdef-tail!|99ffa0d39fc21dd5",
    "10.0.0.1:8080_0|23a29ae775dfd4a3",
  })
  void matchesTheReference(String input, String hex) {
    assertThat(XxHash64.hash(input.getBytes(StandardCharsets.UTF_8), 0)).isEqualTo(Long.parseUnsignedLong(hex, 16));
  }
}
