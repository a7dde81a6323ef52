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
}
