package io.bowline.runtime.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeaderEditsTest {
  private static List<String> applied(HeaderEdits edits) {
    List<String> out = new ArrayList<>();
    edits.forEach((name, values) -> out.add(name + "=" + values));
    return out;
  }

  @Test
  void editsAreKeptByLowerCaseNameInTheOrderTheHeadersWereFirstEdited() {
    HeaderEdits edits = new HeaderEdits();
    assertThat(edits.isEmpty()).isTrue();
    edits.set("X-Request-Id", List.of("a"));
    for (int i = 0; i < 6; i++) { // past the first slot and the arrays' first size
      edits.set("x-h" + i, List.of("v" + i));
    }
    edits.set("x-request-id", List.of("b"));
    edits.set("X-H3", List.of());
    edits.set("x-h5", List.of("w", "z"));

    assertThat(edits.isEmpty()).isFalse();
    assertThat(edits.edited("x-request-id")).isTrue();
    assertThat(edits.edited("x-other")).isFalse();
    assertThat(edits.values("x-request-id")).containsExactly("b");
    assertThat(edits.values("x-h3")).isEmpty();
    assertThat(edits.values("x-other")).isNull();
    assertThat(applied(edits)).containsExactly("x-request-id=[b]", "x-h0=[v0]", "x-h1=[v1]", "x-h2=[v2]",
        "x-h3=[]", "x-h4=[v4]", "x-h5=[w, z]");
  }

  @Test
  void aCallersListIsCopiedSoLaterChangesToItAreNotSent() {
    HeaderEdits edits = new HeaderEdits();
    List<String> values = new ArrayList<>(List.of("1"));
    edits.set("x-a", values);
    values.add("2");
    assertThat(edits.values("x-a")).containsExactly("1");
  }

  @Test
  void aConstantHeaderIsSetOverAnEarlierValueAndHandedOnAsItselfWithItsFieldLine() {
    ConstantHeader id = new ConstantHeader("X-Envoy-Peer-Metadata-Id", "sidecar~10.0.0.1~a.default~default.svc");
    HeaderEdits edits = new HeaderEdits();
    edits.setLowerCase("x-request-id", "r-1");
    edits.setLowerCase("x-envoy-peer-metadata-id", "forged");
    edits.set(id);

    assertThat(id.name()).isEqualTo("x-envoy-peer-metadata-id");
    assertThat(new String(id.fieldLine(), java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("x-envoy-peer-metadata-id: sidecar~10.0.0.1~a.default~default.svc\r\n");
    assertThat(edits.size()).isEqualTo(2);
    assertThat(edits.name(1)).isEqualTo("x-envoy-peer-metadata-id");
    assertThat(edits.values("x-envoy-peer-metadata-id")).containsExactly(id.value());
    assertThat(applied(edits)).as("a sink of lists sees every kind as a list")
        .containsExactly("x-request-id=[r-1]", "x-envoy-peer-metadata-id=[" + id.value() + "]");
    List<Object> handed = new ArrayList<>();
    edits.forEach(new HeaderEdits.Sink() {
      @Override
      public void replace(String lowerName, List<String> values) {
        handed.add(values);
      }

      @Override
      public void replace(String lowerName, String value) {
        handed.add(value);
      }

      @Override
      public void replace(ConstantHeader header) {
        handed.add(header);
      }
    });
    assertThat(handed).containsExactly("r-1", id);
  }

  @Test
  void aConstantHeaderWithAValueOutsideVisibleAsciiHasNoFieldLineAndNamesThatFiltersMayNotEditAreRefused() {
    assertThat(new ConstantHeader("x-a", "caf\u00e9").fieldLine()).isNull();
    assertThat(new ConstantHeader("x-a", "a\r\nb: c").fieldLine()).isNull();
    for (String name : List.of("", ":authority", "Host")) {
      org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
          .isThrownBy(() -> new ConstantHeader(name, "v"));
    }
  }
}
