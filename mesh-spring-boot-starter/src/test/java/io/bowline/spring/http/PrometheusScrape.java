package io.bowline.spring.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a Prometheus text exposition over HTTP (an application's
 * {@code /actuator/prometheus}), read as the tests need it: the sum of a metric's samples whose
 * labels include given values.
 */
public final class PrometheusScrape {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final String text;

  private PrometheusScrape(String text) {
    this.text = text;
  }

  /** Scrapes {@code uri}; fails unless it answers 200. */
  public static PrometheusScrape of(URI uri) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(uri + " answered " + r.statusCode() + ": " + r.body());
      }
      return new PrometheusScrape(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The application's {@code istio_requests_total} (reporter {@code source}) whose labels include
   * {@code labels}, scraped from {@code /actuator/prometheus} on {@code port}.
   */
  public static double istioRequests(int port, Map<String, String> labels) {
    Map<String, String> all = new HashMap<>(labels);
    all.put("reporter", "source");
    return of(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).sum("istio_requests_total", all);
  }

  /** The sum of {@code metric}'s samples whose labels include every one of {@code labels}; 0 if none. */
  public double sum(String metric, Map<String, String> labels) {
    double sum = 0;
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.find() && m.group(1).equals(metric) && labelsOf(m.group(2)).entrySet().containsAll(labels.entrySet())) {
        sum += Double.parseDouble(m.group(3));
      }
    }
    return sum;
  }

  private static Map<String, String> labelsOf(String labels) {
    Map<String, String> out = new HashMap<>();
    if (labels != null) {
      Matcher m = LABEL.matcher(labels);
      while (m.find()) {
        out.put(m.group(1), m.group(2));
      }
    }
    return out;
  }
}
