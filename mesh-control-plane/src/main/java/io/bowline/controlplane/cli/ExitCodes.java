package io.bowline.controlplane.cli;

/**
 * The exit codes of {@code bowline-control-plane}, documented in docs/control-plane.md, distinct so that CI can
 * tell a configuration with errors from a tool that could not run.
 */
final class ExitCodes {

  /** The configuration has no errors (warnings and information may have been printed). */
  static final int OK = 0;
  /** The configuration has errors ({@code --strict}: or warnings); nothing of it is served. */
  static final int CONFIG_ERRORS = 1;
  /** The command line is wrong (an unknown option, a missing parameter); picocli's usage code. */
  static final int USAGE = 2;
  /** The tool failed: the input cannot be found or read as a whole, or an internal error occurred. */
  static final int TOOL_FAILED = 3;

  private ExitCodes() {}
}
