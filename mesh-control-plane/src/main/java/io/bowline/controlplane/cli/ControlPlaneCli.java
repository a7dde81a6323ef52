package io.bowline.controlplane.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code bowline-control-plane} command line: {@code serve} runs the local control plane,
 * {@code analyze} checks a configuration directory.
 *
 * <p>Exit codes: 0 success, 1 the configuration has errors, 2 usage error, 3 the tool failed (one line on
 * standard error says why).
 */
@Command(
    name = "bowline-control-plane",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Serves Istio YAML (ServiceEntry, WorkloadEntry, DestinationRule, VirtualService) as "
        + "Envoy xDS v3 over ADS.",
    subcommands = {ServeCommand.class, AnalyzeCommand.class, CommandLine.HelpCommand.class})
public final class ControlPlaneCli {

  /** The SLF4J simple logger's default level property; java-control-plane is chatty at info. */
  static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

  /** Runs the command line and exits with its exit code. */
  public static void main(String[] args) {
    if (System.getProperty(LOG_LEVEL_PROPERTY) == null) {
      System.setProperty(LOG_LEVEL_PROPERTY, "warn");
    }
    System.exit(commandLine().execute(args));
  }

  /** The configured picocli command line, for embedding and tests. */
  public static CommandLine commandLine() {
    return new CommandLine(new ControlPlaneCli())
        .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
          commandLine.getErr().println(commandLine.getCommandName() + ": failed: " + e);
          commandLine.getErr().flush();
          return ExitCodes.TOOL_FAILED;
        });
  }
}
