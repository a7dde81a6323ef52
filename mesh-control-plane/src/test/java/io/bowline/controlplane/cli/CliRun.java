package io.bowline.controlplane.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One run of the real {@code bowline-control-plane} command line in this JVM, with its standard output and
 * standard error captured.
 *
 * @param exitCode the exit code the command returned
 * @param out what it printed on standard output
 * @param err what it printed on standard error
 */
public record CliRun(int exitCode, String out, String err) {

  /** Runs a new command line with {@code args}. */
  public static CliRun of(String... args) {
    return of(ControlPlaneCli.commandLine(), args);
  }

  /**
   * Runs {@code commandLine} (from {@link ControlPlaneCli#commandLine()}, reused: picocli resets every option
   * before it parses) with {@code args}.
   */
  public static CliRun of(CommandLine commandLine, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    int exitCode = commandLine.execute(args);
    return new CliRun(exitCode, out.toString(), err.toString());
  }
}
