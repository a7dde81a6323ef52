package io.bowline.proxy.cli;

import io.bowline.proxy.BowlineProxy;
import io.bowline.proxy.gateway.GatewayNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code bowline-proxy} command line: starts the proxy beside an application, configured by a
 * control plane ({@code --xds}) or a gRPC xDS bootstrap file ({@code --bootstrap}), and runs until
 * it is stopped (SIGTERM or SIGINT).
 *
 * <p>{@code java -jar bowline-proxy.jar} runs {@link ProxyMain}, which loads this class and picocli in a class
 * loader of their own, {@linkplain #parse parses} the command line there into {@link ProxySettings} and drops the
 * loader before {@link ProxyRunner} starts the proxy. In-process ({@link #commandLine}), {@link #call()} parses and
 * runs in one go.
 *
 * <p>Exit codes: {@value #OK} stopped normally; {@value #USAGE} usage error (an unknown option, a
 * missing or malformed value); {@value #CANNOT_RUN} the proxy could not start (a port in use, no
 * such bootstrap file, another failure). A failure is one line on standard error.
 */
@Command(
    name = "bowline-proxy",
    mixinStandardHelpOptions = true,
    versionProvider = ProxyCli.Version.class,
    description = "Runs the Bowline mesh beside a service written in any language: an HTTP proxy that "
        + "routes the service's outbound calls by the mesh's xDS configuration, and forwards inbound calls "
        + "to it.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:stopped normally",
        "2:usage error: unknown option, missing or malformed value",
        "3:could not run: port in use, no such bootstrap file, other failure"})
public final class ProxyCli implements Callable<Integer> {
  /** Exit code: stopped normally. */
  public static final int OK = 0;
  /** Exit code: the command line is wrong. */
  public static final int USAGE = 2;
  /** Exit code: the proxy could not start. */
  public static final int CANNOT_RUN = 3;

  @Spec
  CommandSpec spec;

  @Option(names = "--xds", paramLabel = "HOST:PORT", description = "The xDS server (ADS), e.g. 127.0.0.1:15010.")
  String xds;

  @Option(names = "--bootstrap", paramLabel = "FILE", description = "A gRPC xDS bootstrap file instead of --xds.")
  Path bootstrap;

  @Option(names = "--workload", paramLabel = "NAME.NAMESPACE",
      description = "This workload, e.g. ratings-v1.default (the namespace defaults to 'default').")
  String workload;

  @Option(names = "--service-account", paramLabel = "NAME",
      description = "The workload's Kubernetes service account, for its SPIFFE identity.")
  String serviceAccount;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A workload label; repeat for more.")
  List<String> labels = new ArrayList<>();

  @Option(names = "--outbound", paramLabel = "PORT", description = "The outbound listener's port (the application's HTTP proxy).")
  Integer outbound;

  @Option(names = "--inbound", paramLabel = "LISTEN:APP",
      description = "The inbound listener's port and the local application port it forwards to.")
  String inbound;

  @Option(names = "--admin", paramLabel = "PORT", description = "The admin port (/ready).")
  Integer admin;

  @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "The address the listeners bind (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--outbound-traffic-policy", paramLabel = "MODE", defaultValue = "ALLOW_ANY",
      description = "ALLOW_ANY passes unknown hosts through; REGISTRY_ONLY answers 502 NR (default: ${DEFAULT-VALUE}).")
  Mode mode;

  @Option(names = "--threads", paramLabel = "N", description = "Event-loop threads (default: one per processor).")
  Integer threads;

  @Option(names = "--gateway", description = "The gateway role: an Istio ingress/egress gateway (a router~ node) that"
      + " listens on each Gateway server port its labels select.")
  boolean gateway;

  @Option(names = "--gateway-port", paramLabel = "PORT:LOCAL",
      description = "Bind gateway listener PORT (a Gateway server's port.number) on LOCAL instead; repeat for more.")
  List<String> gatewayPorts = new ArrayList<>();

  @Option(names = "--gateway-http2", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "With --gateway: serve HTTP/2 on HTTP servers (h2 offered by ALPN on HTTPS, h2c with prior"
      + " knowledge); on by default, --no-gateway-http2 serves HTTP/1.1 only. Upstream calls speak the service"
      + " port's protocol either way.")
  boolean gatewayHttp2 = true;

  @Option(names = "--tcp-port", paramLabel = "PORT:LOCAL",
      description = "Bind the outbound TCP listener of service port PORT (a tcp port, Istio's 0.0.0.0_PORT) on LOCAL"
          + " instead of PORT; repeat for more.")
  List<String> tcpPorts = new ArrayList<>();

  @Option(names = "--certificate-file", paramLabel = "FILE",
      description = "The workload certificate chain (PEM, leaf first): with --private-key-file and"
          + " --ca-certificate-file, the bootstrap's file_watcher certificate provider 'default' (Istio's"
          + " ISTIO_MUTUAL contexts name it), re-read every --refresh-interval, instead of the local CA.")
  Path certificateFile;

  @Option(names = "--private-key-file", paramLabel = "FILE", description = "The workload certificate's private key (PEM).")
  Path privateKeyFile;

  @Option(names = "--ca-certificate-file", paramLabel = "FILE", description = "The trust bundle (PEM roots).")
  Path caCertificateFile;

  @Option(names = "--refresh-interval", paramLabel = "DURATION",
      description = "How often the three files are read again, e.g. 600s (file_watcher refresh_interval;"
          + " default 600s).")
  String refreshInterval;

  private Map<String, String> labelMap() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String l : labels) {
      int eq = l.indexOf('=');
      if (eq <= 0) {
        throw new ParameterException(spec.commandLine(), "--label must be KEY=VALUE, got '" + l + "'");
      }
      out.put(l.substring(0, eq), l.substring(eq + 1));
    }
    return out;
  }

  /** Istio's {@code outboundTrafficPolicy.mode}. */
  enum Mode { ALLOW_ANY, REGISTRY_ONLY }

  private final CountDownLatch stop = new CountDownLatch(1);
  private volatile BowlineProxy started;
  private boolean parseOnly;
  private ProxySettings parsed;

  /**
   * Parses and checks the command line without starting the proxy; what {@link ProxyMain} calls in the class
   * loader it drops afterwards. Usage errors, failures, {@code --help} and {@code --version} are printed here.
   *
   * @param args the command line
   * @return the parsed command line ({@link ProxySettings}), or the exit code ({@link Integer}) when there is
   *     nothing to run: {@value #OK} after {@code --help} or {@code --version}, {@value #USAGE}, {@value #CANNOT_RUN}
   */
  public static Object parse(String[] args) {
    ProxyCli cli = new ProxyCli();
    cli.parseOnly = true;
    int code = commandLine(cli).execute(args);
    return code == OK && cli.parsed != null ? cli.parsed : Integer.valueOf(code);
  }

  /** The configured picocli command line for {@code cli}, for embedding and tests. */
  public static CommandLine commandLine(ProxyCli cli) {
    CommandLine c = new CommandLine(cli);
    c.setParameterExceptionHandler(ProxyCli::usageError);
    c.setExecutionExceptionHandler((e, failed, parseResult) -> {
      PrintWriter err = failed.getErr();
      err.println("bowline-proxy: " + ProxyRunner.describe(e));
      err.flush();
      return CANNOT_RUN;
    });
    return c;
  }

  /** A new command whose proxy runs until {@link #stop()}. */
  public ProxyCli() {}

  /** Stops a running proxy (as SIGTERM does). */
  public void stop() {
    stop.countDown();
  }

  /** The running proxy, or {@code null} before it has started. */
  public BowlineProxy proxy() {
    return started;
  }

  @Override
  public Integer call() throws Exception {
    ProxySettings s = settings();
    if (parseOnly) {
      parsed = s;
      return OK;
    }
    return ProxyRunner.run(s, stop, proxy -> started = proxy);
  }

  /** The command line checked (usage errors, then a bootstrap file that is not there), as {@link ProxySettings}. */
  private ProxySettings settings() throws IOException {
    if (outbound == null && inbound == null && admin == null && !gateway) {
      throw new ParameterException(spec.commandLine(), "give at least one of --outbound, --inbound, --admin, --gateway");
    }
    if (gateway && xds == null && bootstrap == null) {
      throw new ParameterException(spec.commandLine(), "--gateway needs --xds or --bootstrap");
    }
    Map<Integer, Integer> portMap = portMap(gatewayPorts, "--gateway-port must be PORT:LOCAL");
    Map<Integer, Integer> tcpPortMap = portMap(tcpPorts, "--tcp-port must be PORT:LOCAL");
    if (xds != null && bootstrap != null) {
      throw new ParameterException(spec.commandLine(), "give --xds or --bootstrap, not both");
    }
    if (outbound != null && xds == null && bootstrap == null) {
      throw new ParameterException(spec.commandLine(), "--outbound needs --xds or --bootstrap");
    }
    String providers = certificateProviders();
    if (providers != null && xds == null) {
      throw new ParameterException(spec.commandLine(), "--certificate-file needs --xds (with --bootstrap, declare "
          + "certificate_providers in the bootstrap file)");
    }
    int[] in = inbound == null ? null : inbound(inbound);
    if (bootstrap != null && !Files.isRegularFile(bootstrap)) {
      throw new IOException(bootstrap + ": no such bootstrap file");
    }
    // labels are the mesh client's: without --xds or --bootstrap there is none, and they are not read
    Map<String, String> labelMap = xds != null || bootstrap != null ? labelMap() : Map.of();
    return new ProxySettings(xds, bootstrap, workload, serviceAccount, labelMap, outbound, in, admin, bind,
        mode == Mode.REGISTRY_ONLY, threads, gateway, portMap, gatewayHttp2, tcpPortMap, providers);
  }

  /**
   * The bootstrap's {@code certificate_providers} member for the file flags (gRFC A29's {@code file_watcher}
   * plugin, as Istio's grpc-agent writes it, named {@code default}), or {@code null} when none is given.
   */
  private String certificateProviders() {
    List<Path> files = java.util.Arrays.asList(certificateFile, privateKeyFile, caCertificateFile);
    if (files.stream().allMatch(java.util.Objects::isNull)) {
      if (refreshInterval != null) {
        throw new ParameterException(spec.commandLine(), "--refresh-interval needs --certificate-file");
      }
      return null;
    }
    if (files.stream().anyMatch(java.util.Objects::isNull)) {
      throw new ParameterException(spec.commandLine(),
          "--certificate-file, --private-key-file and --ca-certificate-file go together");
    }
    if (refreshInterval != null && !refreshInterval.matches("[0-9]+(\\.[0-9]{1,9})?s")) {
      throw new ParameterException(spec.commandLine(),
          "--refresh-interval must be a duration in seconds such as 600s, got '" + refreshInterval + "'");
    }
    return "\"certificate_providers\":{\"default\":{\"plugin_name\":\"file_watcher\",\"config\":{"
        + "\"certificate_file\":" + GatewayNode.json(certificateFile.toAbsolutePath().toString())
        + ",\"private_key_file\":" + GatewayNode.json(privateKeyFile.toAbsolutePath().toString())
        + ",\"ca_certificate_file\":" + GatewayNode.json(caCertificateFile.toAbsolutePath().toString())
        + (refreshInterval == null ? "" : ",\"refresh_interval\":" + GatewayNode.json(refreshInterval)) + "}}}";
  }

  private Map<Integer, Integer> portMap(List<String> mappings, String usage) {
    Map<Integer, Integer> map = new HashMap<>();
    for (String mapping : mappings) {
      int[] pair = portPair(usage, mapping);
      map.put(pair[0], pair[1]);
    }
    return map;
  }

  private int[] inbound(String value) {
    return portPair("--inbound must be LISTEN:APP", value);
  }

  private int[] portPair(String usage, String value) {
    int colon = value.indexOf(':');
    try {
      if (colon > 0) {
        return new int[] {port(value.substring(0, colon)), port(value.substring(colon + 1))};
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ParameterException(spec.commandLine(), usage + " (two ports), got '" + value + "'");
  }

  private static int port(String s) {
    int p = Integer.parseInt(s);
    if (p < 0 || p > 65535) {
      throw new NumberFormatException(s);
    }
    return p;
  }

  private static int usageError(ParameterException e, String[] args) {
    PrintWriter err = e.getCommandLine().getErr();
    err.println("bowline-proxy: " + e.getMessage() + " (see bowline-proxy --help)");
    err.flush();
    return USAGE;
  }

  /** {@code --version}: the build's version ({@link ProxyRunner#version()}). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"bowline-proxy " + ProxyRunner.version()};
    }
  }
}
