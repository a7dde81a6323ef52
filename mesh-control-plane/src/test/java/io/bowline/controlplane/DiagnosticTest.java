package io.bowline.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic.Severity;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shape of a {@link Diagnostic}: code, place, resource; its text form; {@code --strict}. */
class DiagnosticTest {

  @Test
  void aDiagnosticMadeFromAResourceLabelHasItsPartsAndTheSeveritysDefaultCode() {
    Diagnostic d = new Diagnostic(Severity.ERROR, "vs.yaml", "VirtualService shop/reviews", "spec.hosts", "bad", 3);

    assertThat(d.kind()).isEqualTo("VirtualService");
    assertThat(d.namespace()).isEqualTo("shop");
    assertThat(d.name()).isEqualTo("reviews");
    assertThat(d.resource()).isEqualTo("VirtualService shop/reviews");
    assertThat(d.code()).isEqualTo("IST0106");
    assertThat(d).hasToString("ERROR vs.yaml:3: VirtualService shop/reviews: spec.hosts: bad");
    assertThat(new Diagnostic(Severity.ERROR, "x.yaml", "", "", "not YAML").resource()).isEmpty();
  }

  @Test
  void strictMakesWarningsErrorsAndLeavesInformation() {
    Diagnostic warning = new Diagnostic(Severity.WARNING, "BLN0002", "k.yaml", 2, 7, "virtualservice", "default",
        "reviews", "kind", "unknown kind");
    Diagnostic info = new Diagnostic(Severity.INFO, "BLN0004", "k.yaml", 5, 3, "ServiceEntry", "default", "x",
        "spec.location", "ignored");

    assertThat(Diagnostic.strict(List.of(warning, info))).containsExactly(
        new Diagnostic(Severity.ERROR, "BLN0002", "k.yaml", 2, 7, "virtualservice", "default", "reviews", "kind",
            "unknown kind"),
        info);
  }
}
