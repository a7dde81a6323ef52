package io.bowline.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpiffeIdTest {

  @Test
  void istioIdentityHasNamespaceAndServiceAccount() {
    SpiffeId id = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(id.trustDomain()).isEqualTo("cluster.local");
    assertThat(id.path()).isEqualTo("/ns/default/sa/reviews");
    assertThat(id.istioNamespace()).isEqualTo("default");
    assertThat(id.istioServiceAccount()).isEqualTo("reviews");
    assertThat(id).isEqualTo(SpiffeId.istio("cluster.local", "default", "reviews"));
    assertThat(id.uri()).isEqualTo("spiffe://cluster.local/ns/default/sa/reviews");
  }

  @Test
  void trustDomainIdHasNoPath() {
    assertThat(SpiffeId.parse("spiffe://example.org").path()).isEmpty();
    assertThat(SpiffeId.parse("spiffe://example.org").istioNamespace()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "https://cluster.local/ns/a/sa/b",          // scheme
      "SPIFFE://cluster.local/ns/a/sa/b",         // scheme must be lower case
      "spiffe://",                                // empty trust domain
      "spiffe:///ns/a",                           // empty trust domain
      "spiffe://Cluster.local/ns/a",              // upper case trust domain
      "spiffe://cluster.local:8080/ns/a",         // port
      "spiffe://user@cluster.local/ns/a",         // user info
      "spiffe://cluster.local/ns/a?x=1",          // query
      "spiffe://cluster.local/ns/a#frag",         // fragment
      "spiffe://cluster.local/ns//a",             // empty segment
      "spiffe://cluster.local/ns/a/",             // trailing slash
      "spiffe://cluster.local/ns/../a",           // relative segment
      "spiffe://cluster.local/./a",               // relative segment
      "spiffe://cluster.local/ns/a%20b",          // percent-encoding
  })
  void malformedIdsAreRefused(String uri) {
    assertThatThrownBy(() -> SpiffeId.parse(uri))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a SPIFFE ID");
  }

  @Test
  void trustDomainIsAtMost255Characters() {
    String longest = "a".repeat(255);
    assertThat(SpiffeId.parse("spiffe://" + longest).trustDomain()).hasSize(255);
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://" + longest + "a"))
        .hasMessageContaining("longer than 255");
  }

  @Test
  void idIsAtMost2048Bytes() {
    String prefix = "spiffe://td/";
    String fits = prefix + "p".repeat(2048 - prefix.length());
    assertThat(SpiffeId.parse(fits).uri()).hasSize(2048);
    assertThatThrownBy(() -> SpiffeId.parse(fits + "p")).hasMessageContaining("longer than 2048 bytes");
  }
}
