package io.bowline.runtime.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MURMUR_HASH_2 against {@code std::hash<std::string>} of libstdc++ (g++ 12, x86-64), which is the
 * function Envoy's {@code MurmurHash::murmurHash2} reproduces, seed {@code 0xc70f6907}: tail-only,
 * exactly one 8-byte word, word plus tail, and ring-entry shaped keys.
 */
class MurmurHash2x64Test {

  @ParameterizedTest(name = "murmur2(\"{0}\") = {1}")
  @CsvSource(delimiter = '|', value = {
    "''|6142509188972423790",
    "a|4993892634952068459",
    "foo|9631199822919835226",
    "lyft|12847078931730529320",
    "abcdefgh|8664279048047335611",
    "abcdefghi|13036955925923793583",
    "foobarbazbar|8838267532089336432",
    "127.0.0.1:8080_0|16027637164591516499",
    "10.0.0.1:80_123|1774502415473338005",
  })
  void matchesLibstdcxxStdHash(String input, String unsigned) {
    assertThat(MurmurHash2x64.hash(input)).isEqualTo(Long.parseUnsignedLong(unsigned));
  }

  @ParameterizedTest(name = "murmur2(\"foo\\nbar\")")
  @CsvSource("16306510975912980159")
  void newlineInKey(String unsigned) {
    assertThat(MurmurHash2x64.hash("foo\nbar")).isEqualTo(Long.parseUnsignedLong(unsigned));
  }
}
