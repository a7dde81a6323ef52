package io.bowline.samples.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpectationTest {

  @Test
  void singleDestinationIsExact() {
    Expectation v3 = Expectation.all("v3");

    assertThat(v3.band("v3", 200)).isEqualTo(new Expectation.Band(100, 100));
    assertThat(v3.band("v1", 200)).isEqualTo(new Expectation.Band(0, 0));
    assertThat(v3.describe(200)).isEqualTo("v3 100%");
  }

  @Test
  void weightedSplitAllowsFourAndAHalfBinomialStandardDeviations() {
    Expectation half = Expectation.split("v1", 50, "v3", 50);

    Expectation.Band band = half.band("v1", 200);

    double sd = Math.sqrt(0.25 / 200) * 100;
    assertThat(band.low()).isCloseTo(50 - 4.5 * sd, within(1e-9));
    assertThat(band.high()).isCloseTo(50 + 4.5 * sd, within(1e-9));
    assertThat(band.contains(35.0)).isTrue();
    assertThat(band.contains(33.0)).isFalse();
    assertThat(half.describe(200)).isEqualTo("v1 50±15.9%, v3 50±15.9%");
  }

  @Test
  void weightsMustSumToOneHundred() {
    assertThatThrownBy(() -> Expectation.split("v1", 50, "v3", 40))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sum to 100");
  }

  @Test
  void resultIsOkOnlyInBandAndWithoutErrors() {
    Expectation half = Expectation.split("v1", 50, "v3", 50);

    StepResult inBand = new StepResult("3", Caller.JASON, 200, Map.of("v1", 95, "v3", 105), 0, null, half, "3");
    StepResult skewed = new StepResult("3", Caller.JASON, 200, Map.of("v1", 60, "v3", 140), 0, null, half, "3");
    StepResult failing = new StepResult("3", Caller.JASON, 200, Map.of("v1", 99, "v3", 100), 1, "boom", half, "3");

    assertThat(inBand.ok()).isTrue();
    assertThat(skewed.ok()).isFalse();
    assertThat(failing.ok()).isFalse();
  }
}
