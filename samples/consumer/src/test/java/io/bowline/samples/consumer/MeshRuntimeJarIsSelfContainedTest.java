package io.bowline.samples.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * mesh-runtime's jar carries the subset of Envoy's API classes it uses instead of depending on the
 * whole api jar: on this application's classpath (where that jar is absent), {@code jdeps} finds no
 * class that the runtime's jar refers to and nothing provides. The optional libraries this application does not
 * declare are each referred to by one class only, which the runtime loads only when the library is present:
 * micrometer-registry-prometheus by {@code admin.PrometheusScrape}, snakeyaml by {@code staticconfig.YamlTree}.
 */
class MeshRuntimeJarIsSelfContainedTest {
  @Test
  void everyClassTheRuntimeJarRefersToIsOnTheApplicationsClasspath() {
    List<String> classpath = Arrays.asList(System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path")).split(File.pathSeparator));
    String runtimeJar = classpath.stream().filter(p -> p.matches(".*mesh-runtime[^" + File.separator + "]*\\.jar"))
        .findFirst().orElseThrow(() -> new AssertionError("mesh-runtime jar not on " + classpath));
    assertTrue(classpath.stream().noneMatch(p -> p.contains("controlplane" + File.separator + "api")),
        "java-control-plane's api jar is not on the application's classpath");
    String others = classpath.stream().filter(p -> !p.equals(runtimeJar)).collect(Collectors.joining(File.pathSeparator));

    StringWriter out = new StringWriter();
    int exit = ToolProvider.findFirst("jdeps").orElseThrow()
        .run(new PrintWriter(out), new PrintWriter(out), "--multi-release", "17", "--missing-deps", "-cp", others, runtimeJar);

    assertEquals(0, exit, out.toString());
    String missing = out.toString().lines()
        .filter(line -> !optional(line, "io.bowline.runtime.admin.PrometheusScrape", "io.micrometer.prometheusmetrics."))
        .filter(line -> !optional(line, "io.bowline.runtime.staticconfig.YamlTree", "org.yaml.snakeyaml."))
        .filter(line -> !line.endsWith("-> not found"))
        .collect(Collectors.joining("\n"));
    assertEquals("", missing.strip(), "classes referred to but missing");
    assertTrue(out.toString().contains("PrometheusScrape") && out.toString().contains("YamlTree"),
        "jdeps reports the optional libraries: the check above still sees what it filters");
  }

  /** A jdeps line for the one class of the runtime that may refer to an optional library's package. */
  private static boolean optional(String line, String runtimeClass, String libraryPackage) {
    return line.strip().startsWith(runtimeClass + " ") && line.contains("-> " + libraryPackage);
  }
}
