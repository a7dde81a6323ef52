package io.bowline.controlplane;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates test configuration: the shared Istio fixtures (never copied into the repo) and our resources. */
public final class TestConfigs {

  /** Set by surefire (root pom) to the shared directory that holds {@code fixtures/istio}. */
  public static final String SHARED_DIR_PROPERTY = "bowline.shared.dir";

  private TestConfigs() {}

  /** The shared Istio fixtures directory; skips the calling test when it is absent. */
  public static Path istioFixtures() {
    Path dir = Stream.of(
            System.getProperty(SHARED_DIR_PROPERTY),
            Path.of("").toAbsolutePath().resolve("../../shared").toString(),
            "/work/shared")
        .filter(candidate -> candidate != null && !candidate.isBlank())
        .map(candidate -> Path.of(candidate, "fixtures", "istio").normalize())
        .filter(Files::isDirectory)
        .findFirst()
        .orElse(null);
    assumeTrue(dir != null, "shared Istio fixtures not found: set -D" + SHARED_DIR_PROPERTY
        + "=<dir containing fixtures/istio> (the root pom sets it to ../shared)");
    return dir;
  }

  /** One shared fixture file by name; skips the calling test when it is absent. */
  public static Path istioFixture(String fileName) {
    Path file = istioFixtures().resolve(fileName);
    assumeTrue(Files.isRegularFile(file), "shared fixture missing: " + file);
    return file;
  }

  /** The shared Bookinfo networking samples ({@code samples__bookinfo__networking__*.yaml}), sorted. */
  public static List<Path> bookinfoNetworkingFixtures() {
    try (Stream<Path> files = Files.list(istioFixtures())) {
      return files
          .filter(file -> file.getFileName().toString().startsWith("samples__bookinfo__networking__"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Our ServiceEntries and WorkloadEntries for Bookinfo on loopback (test resource). */
  public static Path bookinfoServices() {
    return resource("/bookinfo/bookinfo-services.yaml");
  }

  /** A test resource as a path. */
  public static Path resource(String name) {
    try {
      return Path.of(TestConfigs.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code yaml} to {@code dir/fileName} and returns the file. */
  public static Path write(Path dir, String fileName, String yaml) {
    try {
      return Files.writeString(dir.resolve(fileName), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A VirtualService {@code default/name} for host {@code reviews} with one HTTP rule routing to
   * {@code destination} (a flow mapping, for example {@code {host: reviews, subset: v1}}).
   */
  public static String reviewsRoute(String name, String destination) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: %s}
        spec:
          hosts: [reviews]
          http: [{route: [{destination: %s}]}]
        """.formatted(name, destination);
  }

  /** A DestinationRule defining subsets v1 and v2 of {@code reviews} by their {@code version} label. */
  public static final String REVIEWS_SUBSETS = """
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: reviews}
      spec:
        host: reviews
        subsets:
        - {name: v1, labels: {version: v1}}
        - {name: v2, labels: {version: v2}}
      """;
}
