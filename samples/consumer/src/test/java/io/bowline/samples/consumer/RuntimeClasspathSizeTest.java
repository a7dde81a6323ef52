package io.bowline.samples.consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 20's size goal, kept: this application's runtime classpath (mesh-runtime and what it brings, a
 * gRPC-only application with no optional library) is at most 20 MB (20,000,000 bytes). The dependency
 * plugin writes the classpath to {@code target/runtime-classpath.txt}; the test needs the reactor's
 * packaged jars, so under {@code mvn test} (classes directories instead of jars) it is skipped.
 */
class RuntimeClasspathSizeTest {
  private static final long LIMIT_BYTES = 20_000_000;

  @Test
  void theRuntimeClasspathIsAtMostTwentyMegabytes() throws IOException {
    Path listing = Path.of("target", "runtime-classpath.txt");
    assumeTrue(Files.exists(listing), "no " + listing.toAbsolutePath() + ": run through Maven (generate-test-resources)");
    List<Path> entries = Arrays.stream(Files.readString(listing).strip().split(File.pathSeparator))
        .map(Path::of).collect(Collectors.toList());
    assumeTrue(entries.stream().allMatch(Files::isRegularFile),
        "the classpath holds directories (mvn test rather than verify): sizes are only comparable for jars");

    long total = 0;
    for (Path jar : entries) {
      total += Files.size(jar);
    }
    String table = entries.stream().sorted(Comparator.comparingLong(RuntimeClasspathSizeTest::size).reversed())
        .map(p -> String.format("%,12d  %s", size(p), p.getFileName())).collect(Collectors.joining("\n"));
    System.out.printf("runtime classpath: %d jars, %,d bytes%n%s%n", entries.size(), total, table);
    assertTrue(total <= LIMIT_BYTES, String.format("runtime classpath is %,d bytes in %d jars, over %,d:%n%s",
        total, entries.size(), LIMIT_BYTES, table));
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
