package io.bowline.runtime.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Prometheus scrape read back by a real Prometheus text parser: Debian's {@code python3-prometheus-client}
 * ({@code prometheus_client.parser.text_string_to_metric_families}).
 */
public final class PrometheusText {
  private static final String PYTHON = "/usr/bin/python3";
  /** Prints each sample of the scrape on stdin as one JSON list: [name, labels, value]. */
  private static final String PARSER = String.join("\n",
      "import sys, json",
      "from prometheus_client.parser import text_string_to_metric_families",
      "out = []",
      "for family in text_string_to_metric_families(sys.stdin.read()):",
      "    for s in family.samples:",
      "        out.append([s.name, s.labels, s.value])",
      "print(json.dumps(out))");

  /** The message for a test skipped because the parser is missing. */
  public static final String MISSING = "Debian's python3-prometheus-client is not installed: apt-get install "
      + "python3-prometheus-client";

  private PrometheusText() {}

  /** One sample: its name, labels and value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** Whether python3 with {@code prometheus_client} is installed. */
  public static boolean available() throws Exception {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      return false;
    }
    Process p = new ProcessBuilder(PYTHON, "-c", "import prometheus_client").redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  /** The scrape as the Python Prometheus client's text parser reads it. */
  public static List<Sample> parse(String scrape) throws Exception {
    Process p = new ProcessBuilder(PYTHON, "-c", PARSER).start();
    p.getOutputStream().write(scrape.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("parser failed: " + err).isZero();
    List<Sample> samples = new ArrayList<>();
    for (JsonElement e : JsonParser.parseString(out).getAsJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      JsonObject labels = a.get(1).getAsJsonObject();
      Map<String, String> l = new HashMap<>();
      labels.entrySet().forEach(x -> l.put(x.getKey(), x.getValue().getAsString()));
      samples.add(new Sample(a.get(0).getAsString(), l, a.get(2).getAsDouble()));
    }
    return samples;
  }
}
