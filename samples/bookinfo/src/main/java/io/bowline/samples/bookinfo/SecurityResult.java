package io.bowline.samples.bookinfo;

import java.util.List;

/**
 * What one {@link SecurityStep} showed.
 *
 * @param step the step's name
 * @param ok whether everything matched the step's expectations
 * @param lines what each side saw (the caller's statuses, each service's statuses per peer SPIFFE ID) and any
 *     mismatch, for printing
 */
record SecurityResult(String step, boolean ok, List<String> lines) {

  SecurityResult {
    lines = List.copyOf(lines);
  }
}
