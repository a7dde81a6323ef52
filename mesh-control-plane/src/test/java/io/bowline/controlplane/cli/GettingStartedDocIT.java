package io.bowline.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/getting-started.md as a user follows it: its YAML served by the packaged CLI jar, its Java
 * class compiled and run against two loopback servers, and what the class prints compared with the
 * page. The blocks are the fenced blocks after {@code <!-- doc-test: NAME -->} lines; the only change
 * made to them is free ports in place of 15010, 19090 and 19091.
 */
class GettingStartedDocIT {

  private static final Pattern BLOCK = Pattern.compile("<!-- doc-test: (\\S+) -->\\n```[a-z]*\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern SERVING = Pattern.compile("serving .* on 127\\.0\\.0\\.1:(\\d+) ");

  @TempDir
  Path dir;

  private final List<HttpServer> backends = new ArrayList<>();
  private Process controlPlane;

  @AfterEach
  void stop() {
    backends.forEach(b -> b.stop(0));
    if (controlPlane != null) {
      controlPlane.destroy();
    }
  }

  @Test
  void theYamlServedByTheCliRoutesTheJavaClassAsThePageSays() throws Exception {
    Map<String, String> blocks = blocks(Path.of(System.getProperty("bowline.docs.dir"), "getting-started.md"));
    assertThat(blocks).containsKeys("my-mesh/reviews.yaml", "GettingStarted.java", "output");

    int v1 = backend("v1");
    int v2 = backend("v2");
    Path mesh = Files.createDirectories(dir.resolve("my-mesh"));
    Files.writeString(mesh.resolve("reviews.yaml"), blocks.get("my-mesh/reviews.yaml")
        .replace("http: 19090", "http: " + v1).replace("http: 19091", "http: " + v2));

    Process analyze = cli("analyze", mesh.toString());
    String analyzeOut = new String(analyze.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(analyze.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(analyze.exitValue()).as("analyze exit code").isZero();
    assertThat(analyzeOut).as("analyze finds nothing").isEmpty();

    controlPlane = cli("serve", "--config", mesh.toString(), "--port", "0");
    BufferedReader out = new BufferedReader(new InputStreamReader(controlPlane.getInputStream(), StandardCharsets.UTF_8));
    // the reload report, then the serving line
    String line;
    Matcher serving = null;
    while ((line = out.readLine()) != null && !(serving = SERVING.matcher(line)).find()) {
      assertThat(line).as("serve's report").startsWith("published; serving version 1 (1 files); 0 errors");
    }
    assertThat(line).as("serve's serving line").isNotNull();
    String xdsPort = serving.group(1);

    Path src = Files.createDirectories(dir.resolve("src"));
    Files.writeString(src.resolve("GettingStarted.java"),
        blocks.get("GettingStarted.java").replace("localhost:15010", "localhost:" + xdsPort));
    String classpath = Files.readString(Path.of(System.getProperty("bowline.test.classpath.file"))).strip();
    Path classes = Files.createDirectories(dir.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int compiled = javac.run(null, null, null, "-d", classes.toString(), "-cp", classpath,
        src.resolve("GettingStarted.java").toString());
    assertThat(compiled).as("javac exit code").isZero();

    Process run = new ProcessBuilder(java(), "-cp", classes + java.io.File.pathSeparator + classpath, "GettingStarted")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String printed = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(run.exitValue()).isZero();
    assertThat(printed).isEqualTo(blocks.get("output"));
  }

  private static Map<String, String> blocks(Path page) throws IOException {
    Map<String, String> blocks = new LinkedHashMap<>();
    Matcher m = BLOCK.matcher(Files.readString(page));
    while (m.find()) {
      blocks.put(m.group(1), m.group(2));
    }
    return blocks;
  }

  private int backend(String body) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    backends.add(server);
    return server.getAddress().getPort();
  }

  private static Process cli(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(java(), "-jar", System.getProperty("bowline.cli.jar")));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
