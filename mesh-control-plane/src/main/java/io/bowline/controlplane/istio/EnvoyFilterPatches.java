package io.bowline.controlplane.istio;

import io.bowline.controlplane.DiagnosticCode;
import java.util.List;
import java.util.Optional;

/**
 * Istio's {@code EnvoyFilter} as the local control plane reads it: it applies no patch yet, and says
 * so for each one. Every {@code spec.configPatches[i]} is reported with
 * {@link DiagnosticCode#UNSUPPORTED_ENVOY_FILTER_PATCH}, naming its {@code applyTo},
 * {@code patch.operation}, {@code match.context} and what it adds or merges (the filter or cluster
 * {@code name}, or the merged fields), so that no patch is dropped without a word.
 */
final class EnvoyFilterPatches {
  private EnvoyFilterPatches() {}

  /**
   * Reports the patches of one EnvoyFilter's {@code spec}.
   *
   * @param spec the resource's {@code spec}
   */
  static void report(SpecReader spec) {
    List<SpecReader> patches = spec.objects("configPatches");
    if (patches.isEmpty()) {
      spec.info(DiagnosticCode.UNSUPPORTED_ENVOY_FILTER_PATCH, "configPatches", "EnvoyFilter without configPatches; "
          + "nothing to apply");
      return;
    }
    for (SpecReader p : patches) {
      String applyTo = p.string("applyTo").orElse("(no applyTo)");
      String context = p.object("match").flatMap(m -> m.string("context")).orElse("ANY");
      Optional<SpecReader> patch = p.object("patch");
      String operation = patch.flatMap(x -> x.string("operation")).orElse("(no operation)");
      String what = patch.flatMap(x -> x.object("value")).map(EnvoyFilterPatches::describe).orElse("");
      p.warning(DiagnosticCode.UNSUPPORTED_ENVOY_FILTER_PATCH, "applyTo", "EnvoyFilter patch " + applyTo + " "
          + operation + what + " (context " + context + ") is not applied by the local control plane; ignored");
    }
  }

  /** What a patch value adds: its {@code name} (a filter, a cluster), else the fields it merges. */
  private static String describe(SpecReader value) {
    if (value.has("name") && value.string("name").isPresent()) {
      return " " + value.string("name").get();
    }
    List<String> keys = value.keys();
    return keys.isEmpty() ? "" : " of " + String.join(", ", keys);
  }
}
