package io.bowline.controlplane.cli;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.Published;
import io.bowline.controlplane.ca.LocalCertificateAuthority;
import io.bowline.controlplane.istio.HostResolver;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code serve --config DIR --port N}: runs the local control plane until the process is killed, printing
 * the port and, after every reload, the served version and the diagnostics.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serves a directory of Istio YAML as xDS v3 (ADS) and reloads it on change.")
final class ServeCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "DIR", description = "Directory of Istio YAML.")
  private Path configDir;

  @Option(names = "--port", defaultValue = "15010",
      description = "xDS (gRPC) port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  private int port;

  @Option(names = "--bind", defaultValue = LocalControlPlane.LOOPBACK,
      description = "Address to bind (default: ${DEFAULT-VALUE}).")
  private String bindAddress;

  @Option(names = "--debounce", defaultValue = "20", paramLabel = "MS",
      description = "Quiet period after a file change before reloading, in ms (default: ${DEFAULT-VALUE}).")
  private long debounceMs;

  @Option(names = "--cluster-domain", defaultValue = HostResolver.DEFAULT_CLUSTER_DOMAIN,
      description = "Cluster domain short host names expand into (default: ${DEFAULT-VALUE}).")
  private String clusterDomain;

  @Option(names = "--strict", description = "Treat warnings (unknown kinds, fields not translated, probable "
      + "mistakes) as errors: such a configuration is not served.")
  private boolean strict;

  @Option(names = "--trust-domain", defaultValue = LocalCertificateAuthority.DEFAULT_TRUST_DOMAIN,
      description = "Trust domain of the workload certificates the CA issues (default: ${DEFAULT-VALUE}).")
  private String trustDomain;

  @Option(names = "--cert-ttl", defaultValue = "24h", paramLabel = "DURATION",
      description = "Lifetime of the workload certificates the CA issues, e.g. 24h, 90m, 30s (default: ${DEFAULT-VALUE}).")
  private String certTtl;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch stopped = new CountDownLatch(1);
    LocalControlPlane controlPlane = LocalControlPlane.builder(configDir)
        .port(port)
        .bindAddress(bindAddress)
        .clusterDomain(clusterDomain)
        .debounce(java.time.Duration.ofMillis(debounceMs))
        .strict(strict)
        .trustDomain(trustDomain(trustDomain))
        .certTtl(certTtl(certTtl))
        .onReload((publishedNew, served, diagnostics) -> report(out, publishedNew, served, diagnostics))
        .start();
    try {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        controlPlane.close();
        stopped.countDown();
      }, "bowline-control-plane-stop"));
      out.printf("bowline-control-plane serving %s on %s:%d (xDS v3, ADS)%n", configDir, bindAddress,
          controlPlane.port());
      out.printf("local CA for trust domain %s on %s:%d (certificates last %s)%n", trustDomain,
          LocalControlPlane.LOOPBACK,
          controlPlane.certificateAuthority().port(), certTtl);
      out.flush();
      stopped.await();
    } finally {
      controlPlane.close();
    }
    return 0;
  }

  private String trustDomain(String text) {
    try {
      io.bowline.tls.SpiffeId.checkTrustDomain(text);
      return text;
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--trust-domain: " + e.getMessage());
    }
  }

  /** {@code 24h}, {@code 90m}, {@code 1h30m}, {@code 30s}: an ISO-8601 time without its {@code PT}. */
  private java.time.Duration certTtl(String text) {
    try {
      java.time.Duration ttl = java.time.Duration.parse("PT" + text.toUpperCase(java.util.Locale.ROOT));
      if (!ttl.isNegative() && !ttl.isZero()) {
        return ttl;
      }
    } catch (java.time.format.DateTimeParseException e) {
      // reported below
    }
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "--cert-ttl: \"" + text + "\" is not a positive duration such as 24h, 90m or 30s");
  }

  private static synchronized void report(
      PrintWriter out, boolean publishedNew, Published served, List<Diagnostic> diagnostics) {
    DiagnosticPrinter.print(out, diagnostics);
    out.printf("%s; serving version %s (%d files); %s%n",
        publishedNew ? "published" : "rejected, keeping the last good configuration", served.version(),
        served.files().size(), DiagnosticPrinter.summary(diagnostics));
    out.flush();
  }
}
