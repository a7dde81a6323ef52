package io.bowline.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code serve --trust-domain} and {@code --cert-ttl}: defaults as Istio's, bad values are usage errors. */
class ServeCertificateOptionsTest {

  @TempDir
  Path dir;

  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine commandLine = ControlPlaneCli.commandLine();
    commandLine.setOut(new PrintWriter(new StringWriter()));
    commandLine.setErr(new PrintWriter(err));
    return commandLine.execute(args);
  }

  @Test
  void helpShowsIstioDefaults() {
    StringWriter out = new StringWriter();
    CommandLine commandLine = ControlPlaneCli.commandLine();
    commandLine.setOut(new PrintWriter(out));
    commandLine.execute("serve", "--help");
    assertThat(out.toString()).contains("--trust-domain", "default: cluster.local", "--cert-ttl", "default: 24h");
  }

  @Test
  void certTtlThatIsNotADurationIsAUsageError() {
    assertThat(run("serve", "--config", dir.toString(), "--port", "0", "--cert-ttl", "soon")).isEqualTo(2);
    assertThat(err.toString()).contains("--cert-ttl: \"soon\" is not a positive duration such as 24h");
  }

  @Test
  void malformedTrustDomainIsAUsageError() {
    assertThat(run("serve", "--config", dir.toString(), "--port", "0", "--trust-domain", "Cluster.Local"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--trust-domain: the trust domain \"Cluster.Local\" has 'C'");
  }
}
