package io.bowline.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged CLI ({@code java -jar target/bowline-control-plane.jar}, the artifact published with
 * classifier {@code cli}) as a user runs it: versions from the build, help on every subcommand, and
 * each failure one line on standard error with its documented exit code.
 */
class ControlPlaneCliIT {

  private static final String VERSION = System.getProperty("bowline.version");

  @TempDir
  Path dir;

  record Run(int exitCode, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  private static Run run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        System.getProperty("bowline.cli.jar")));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).start();
    process.getOutputStream().close();
    // both streams are small; read them fully, then the exit code
    var out = process.getInputStream().readAllBytes();
    var err = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
    return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void versionIsTheBuildsVersionOnTheCommandAndOnEverySubcommand() throws Exception {
    assertThat(VERSION).isNotBlank();
    for (String[] args : List.of(new String[] {"--version"}, new String[] {"-V"}, new String[] {"serve", "-V"},
        new String[] {"analyze", "--version"})) {
      Run run = run(args);
      assertThat(run.exitCode()).as(String.join(" ", args)).isZero();
      assertThat(run.out().strip()).as(String.join(" ", args)).isEqualTo("bowline-control-plane " + VERSION);
    }
  }

  @Test
  void helpOnEachSubcommandListsItsOptionsAndTheTopHelpListsTheExitCodes() throws Exception {
    Run top = run("--help");
    assertThat(top.exitCode()).isZero();
    assertThat(top.out()).contains("serve", "analyze", "Exit codes:", "3   could not run");
    Run serve = run("serve", "--help");
    assertThat(serve.exitCode()).isZero();
    assertThat(serve.out()).contains("--config=DIR", "--port", "--verbose", "-V, --version");
    Run analyze = run("analyze", "-h");
    assertThat(analyze.exitCode()).isZero();
    assertThat(analyze.out()).contains("DIR", "--verbose");
  }

  @Test
  void aMissingConfigDirectoryIsOneLineAndExitCodeThree() throws Exception {
    Path missing = dir.resolve("no-such-dir");
    Run run = run("serve", "--config", missing.toString(), "--port", "0");
    assertThat(run.exitCode()).isEqualTo(ControlPlaneCli.CANNOT_RUN);
    assertThat(run.errLines()).containsExactly(
        "bowline-control-plane serve: " + missing + ": no such directory (not a directory)");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void aBusyPortIsOneLineAndVerboseAddsTheStackTrace() throws Exception {
    Files.writeString(dir.resolve("empty.yaml"), "");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String port = Integer.toString(taken.getLocalPort());
      Run run = run("serve", "--config", dir.toString(), "--port", port);
      assertThat(run.exitCode()).isEqualTo(ControlPlaneCli.CANNOT_RUN);
      assertThat(run.errLines()).singleElement().asString()
          .startsWith("bowline-control-plane serve: ")
          .contains(port, "Address already in use");

      Run verbose = run("serve", "--config", dir.toString(), "--port", port, "--verbose");
      assertThat(verbose.exitCode()).isEqualTo(ControlPlaneCli.CANNOT_RUN);
      assertThat(verbose.errLines().get(0)).isEqualTo(run.errLines().get(0));
      assertThat(verbose.err()).contains("\tat ", "BindException");
    }
  }

  @Test
  void aBadFlagIsOneLineAndExitCodeTwo() throws Exception {
    Run run = run("serve", "--config", dir.toString(), "--no-such-flag");
    assertThat(run.exitCode()).isEqualTo(ControlPlaneCli.USAGE);
    assertThat(run.errLines()).containsExactly(
        "bowline-control-plane serve: Unknown option: '--no-such-flag' (see bowline-control-plane serve --help)");

    Run badValue = run("serve", "--config", dir.toString(), "--port", "many");
    assertThat(badValue.exitCode()).isEqualTo(ControlPlaneCli.USAGE);
    assertThat(badValue.errLines()).singleElement().asString().contains("--port", "many");
  }
}
