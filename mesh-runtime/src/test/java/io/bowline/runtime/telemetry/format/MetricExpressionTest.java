package io.bowline.runtime.telemetry.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The CEL subset of Telemetry {@code tagOverrides} values: what compiles, what is refused by name. */
class MetricExpressionTest {

  @Test
  void literalsAndTheDocumentedAttributesCompile() {
    assertThat(MetricExpression.compile("'bookinfo'").constant()).isTrue();
    assertThat(MetricExpression.compile("\"bookinfo\"").evaluate(null)).isEqualTo("bookinfo");
    for (String e : new String[] {"request.host", "request.method", "request.path", "request.url_path",
        "request.scheme", "request.headers['x-user']", "request.headers[\"X-User\"]", "response.code"}) {
      assertThat(MetricExpression.compile(e).constant()).as(e).isFalse();
    }
    assertThat(MetricExpression.compile("request.headers['X-User']"))
        .isEqualTo(MetricExpression.compile("request.headers[\"x-user\"]"));
  }

  @Test
  void anythingElseIsRefusedNamingTheExpressionAndTheSubset() {
    for (String e : new String[] {"string(destination.port)", "request.headers['a'] + 'b'", "upstream_peer.app",
        "request.size", "'unterminated", ""}) {
      assertThatThrownBy(() -> MetricExpression.compile(e)).as(e).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"" + e + "\"").hasMessageContaining(MetricExpression.SUPPORTED);
    }
  }
}
