package io.bowline.controlplane.cli;

import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.bowline.controlplane.translate.XdsResources;
import io.bowline.controlplane.translate.XdsTranslator;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code analyze DIR}: loads and translates a configuration directory (or file) without serving it, prints
 * every diagnostic on its own line to standard output and a summary to standard error. Exit code 1 if any
 * diagnostic is an error, else 0.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
    description = "Checks a directory of Istio YAML; prints one diagnostic per line; exit 1 on errors.")
final class AnalyzeCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "Directory (or file) of Istio YAML.")
  private Path configDir;

  @Option(names = "--cluster-domain", defaultValue = HostResolver.DEFAULT_CLUSTER_DOMAIN,
      description = "Cluster domain short host names expand into (default: ${DEFAULT-VALUE}).")
  private String clusterDomain;

  @Override
  public Integer call() {
    IstioConfig config = IstioConfigLoader.load(configDir);
    XdsResources resources = new XdsTranslator(clusterDomain).translate(config);
    DiagnosticPrinter.print(spec.commandLine().getOut(), resources.diagnostics());
    spec.commandLine().getErr().printf("%s: %d files, %d listeners, %d clusters; %s%n", configDir,
        config.files().size(), resources.listeners().size(), resources.clusters().size(),
        DiagnosticPrinter.summary(resources.diagnostics()));
    spec.commandLine().getErr().flush();
    return resources.hasErrors() ? 1 : 0;
  }
}
