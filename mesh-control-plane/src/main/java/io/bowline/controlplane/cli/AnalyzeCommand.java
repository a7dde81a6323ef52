package io.bowline.controlplane.cli;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.bowline.controlplane.translate.XdsResources;
import io.bowline.controlplane.translate.XdsTranslator;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code analyze DIR}: loads and translates a configuration directory (or file) without serving it, prints
 * every diagnostic to standard output (one per line, or as JSON or YAML with {@code -o}) and a summary to
 * standard error. Exit code 0 without errors, 1 when the configuration has errors ({@code --strict}: or
 * warnings), 2 for a wrong command line, 3 when the tool failed (the path does not exist, an internal
 * error).
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
    description = "Checks a directory of Istio YAML; prints its diagnostics. Exit codes: 0 no errors, "
        + "1 the configuration has errors, 2 usage error, 3 the tool failed.")
final class AnalyzeCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "Directory (or file) of Istio YAML.")
  private Path configDir;

  @Option(names = "--cluster-domain", defaultValue = HostResolver.DEFAULT_CLUSTER_DOMAIN,
      description = "Cluster domain short host names expand into (default: ${DEFAULT-VALUE}).")
  private String clusterDomain;

  @Option(names = "--strict", description = "Treat warnings (unknown kinds, fields not translated, probable "
      + "mistakes) as errors.")
  private boolean strict;

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      converter = FormatConverter.class,
      description = "Output format: text (one diagnostic per line), json or yaml (default: ${DEFAULT-VALUE}).")
  private DiagnosticPrinter.Format format;

  /** Reads {@code text}, {@code json} or {@code yaml} in any case. */
  static final class FormatConverter implements CommandLine.ITypeConverter<DiagnosticPrinter.Format> {
    @Override
    public DiagnosticPrinter.Format convert(String value) {
      return DiagnosticPrinter.Format.valueOf(value.toUpperCase(Locale.ROOT));
    }
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.exists(configDir)) {
      err.printf("analyze: %s: no such file or directory%n", configDir);
      err.flush();
      return ControlPlaneCli.CANNOT_RUN;
    }
    IstioConfig config = IstioConfigLoader.load(configDir);
    XdsResources resources = new XdsTranslator(clusterDomain).translate(config);
    List<Diagnostic> diagnostics = strict ? Diagnostic.strict(resources.diagnostics()) : resources.diagnostics();
    DiagnosticPrinter.print(spec.commandLine().getOut(), format, diagnostics, config.files().size());
    err.printf("%s: %d files, %d listeners, %d clusters; %s%n", configDir,
        config.files().size(), resources.listeners().size(), resources.clusters().size(),
        DiagnosticPrinter.summary(diagnostics));
    err.flush();
    return diagnostics.stream().anyMatch(Diagnostic::isError) ? ControlPlaneCli.CONFIG_ERRORS : ControlPlaneCli.OK;
  }
}
