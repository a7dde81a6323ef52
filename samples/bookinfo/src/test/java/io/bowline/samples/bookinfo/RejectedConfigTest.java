package io.bowline.samples.bookinfo;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A step whose config the control plane rejects fails with the control plane's ERROR diagnostics. */
class RejectedConfigTest {

  @Test
  void aStepWhoseConfigIsRejectedFailsWithTheDiagnostics() {
    ConfigFile undefinedSubset = ConfigFile.text("30-vs-reviews-v9.yaml", "test", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: default
        spec:
          hosts: [reviews.default.svc.cluster.local]
          http:
          - route:
            - destination: {host: reviews.default.svc.cluster.local, subset: v9}
        """);
    StepPlan ownYaml = StepPlan.ownYaml();
    List<ConfigFile> files = List.of(ownYaml.steps().get(0).files().get(0), undefinedSubset);
    Step broken = new Step("9 reviews to v9", files, Map.of(Caller.ANONYMOUS, Expectation.all("v1")));

    assertThatThrownBy(() -> BookinfoDemo.runSteps(new StepPlan("test", List.of(broken)), 1, System.out))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("step 9 reviews to v9: the control plane rejected the config")
        .hasMessageContaining("ERROR 30-vs-reviews-v9.yaml");
  }
}
