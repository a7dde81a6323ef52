package io.bowline.controlplane.cli;

import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

/**
 * The {@code bowline-control-plane} command line: {@code serve} runs the local control plane,
 * {@code analyze} checks a configuration directory.
 *
 * <p>Exit codes: {@value #OK} success; {@value #CONFIG_ERRORS} the configuration has errors;
 * {@value #USAGE} usage error (an unknown option, a missing or malformed value); {@value #CANNOT_RUN}
 * the command could not run (the configuration directory does not exist, the port is in use, another
 * I/O failure). A failure is one line on standard error; {@code --verbose} adds its stack trace.
 */
@Command(
    name = "bowline-control-plane",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Serves Istio YAML (ServiceEntry, WorkloadEntry, DestinationRule, VirtualService) as "
        + "Envoy xDS v3 over ADS.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the configuration has errors",
        "2:usage error: unknown option, missing or malformed value",
        "3:could not run: no such configuration directory, port in use, other I/O failure"},
    subcommands = {ServeCommand.class, AnalyzeCommand.class, CommandLine.HelpCommand.class})
public final class ControlPlaneCli {

  /** Exit code: success. */
  public static final int OK = 0;
  /** Exit code: the configuration has errors. */
  public static final int CONFIG_ERRORS = 1;
  /** Exit code: the command line is wrong (picocli's usage error code). */
  public static final int USAGE = 2;
  /** Exit code: the command could not run (missing directory, port in use, I/O failure). */
  public static final int CANNOT_RUN = 3;

  /** The SLF4J simple logger's default level property; java-control-plane is chatty at info. */
  static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "On failure, print the stack trace after the one-line message.")
  private boolean verbose;

  /**
   * Runs the command line and exits with its exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    if (System.getProperty(LOG_LEVEL_PROPERTY) == null) {
      System.setProperty(LOG_LEVEL_PROPERTY, "warn");
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * The configured picocli command line, for embedding and tests.
   *
   * @return a command line whose failures print one line on its error writer and return the exit
   *     codes above
   */
  public static CommandLine commandLine() {
    ControlPlaneCli cli = new ControlPlaneCli();
    CommandLine commandLine = new CommandLine(cli);
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      sub.getCommandSpec().versionProvider(new VersionProvider());
    }
    commandLine.setParameterExceptionHandler(ControlPlaneCli::usageError);
    commandLine.setExecutionExceptionHandler((e, failed, parseResult) -> failure(cli, e, failed));
    return commandLine;
  }

  private static int usageError(ParameterException e, String[] args) {
    CommandLine failed = e.getCommandLine();
    PrintWriter err = failed.getErr();
    err.println(failed.getCommandSpec().qualifiedName() + ": " + e.getMessage() + " (see "
        + failed.getCommandSpec().qualifiedName() + " --help)");
    err.flush();
    return USAGE;
  }

  private static int failure(ControlPlaneCli cli, Exception e, CommandLine failed) {
    PrintWriter err = failed.getErr();
    err.println(failed.getCommandSpec().qualifiedName() + ": " + describe(e));
    if (cli.verbose) {
      e.printStackTrace(err);
    }
    err.flush();
    return CANNOT_RUN;
  }

  /** One line for a failure: what could not be done, and the operating system's reason. */
  static String describe(Throwable e) {
    if (e instanceof NoSuchFileException missing) {
      return missing.getFile() + ": no such directory"
          + (missing.getReason() == null ? "" : " (" + missing.getReason() + ")");
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof BindException) {
      return e.getMessage() + ": " + root.getMessage() + " (is another control plane running? pick --port)";
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return root == e || root.getMessage() == null ? message : message + ": " + root.getMessage();
  }
}
