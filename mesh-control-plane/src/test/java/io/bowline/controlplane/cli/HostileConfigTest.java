package io.bowline.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.bowline.controlplane.TestConfigs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code analyze} on input written by a hostile world (issue 14): bounded YAML, values that cannot work,
 * typos of kinds, and errors that name their place without echoing the source.
 */
class HostileConfigTest {

  @TempDir
  Path dir;

  private String out;
  private String err;

  @BeforeEach
  void writeServices() throws IOException {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("services.yaml"));
  }

  private int analyze(String... options) {
    String[] args = new String[options.length + 2];
    args[0] = "analyze";
    System.arraycopy(options, 0, args, 1, options.length);
    args[args.length - 1] = dir.toString();
    CliRun run = CliRun.of(args);
    out = run.out();
    err = run.err();
    return run.exitCode();
  }

  @Test
  void aSelfReferencingAliasIsRefusedWithItsFileAndLine() {
    TestConfigs.write(dir, "loop.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec: &r {hosts: [reviews], http: [*r]}
        """);

    assertThat(analyze()).isEqualTo(ControlPlaneCli.CONFIG_ERRORS);
    assertThat(out).contains("ERROR loop.yaml:4: recursive alias");
  }

  @Test
  void aDoublingAliasChainIsRefusedWithinASecond() {
    StringBuilder yaml = new StringBuilder("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          a0: &a0 [x, x]
        """);
    for (int i = 1; i <= 24; i++) {
      yaml.append("  a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a")
          .append(i - 1).append("]\n");
    }
    TestConfigs.write(dir, "bomb.yaml", yaml.toString());
    assertThat(yaml.length()).isLessThan(1500);

    int exitCode = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> analyze());

    assertThat(exitCode).isEqualTo(ControlPlaneCli.CONFIG_ERRORS);
    assertThat(out).contains("bomb.yaml:", "aliases expand this document to more than 100000 nodes");
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', textBlock = """
      WorkloadEntry   | address: 999.1.1.1                                  | spec.address: invalid address "999.1.1.1"
      WorkloadEntry   | address: fe80::1%eth0                               | spec.address: invalid address "fe80::1%eth0"; expected an IP address without a zone id
      VirtualService  | hosts: [reviews]@http: [{timeout: 9223372036854775807h, route: [{destination: {host: reviews}}]}] | spec.http[0].timeout: duration "9223372036854775807h" is out of range
      VirtualService  | hosts: [reviews]@http: [{timeout: 0s, route: [{destination: {host: reviews}}]}] | spec.http[0].timeout: duration "0s" is shorter than 1ms
      VirtualService  | hosts: [reviews]@http: [{retries: {attempts: 2, perTryTimeout: 1500us}, route: [{destination: {host: reviews}}]}] | spec.http[0].retries.perTryTimeout: duration "1500us" is not a whole number of milliseconds
      VirtualService  | hosts: [reviews]@http: [{headers: {request: {set: {":path": /x}}}, route: [{destination: {host: reviews}}]}] | spec.http[0].headers.request.set.:path: pseudo-header ":path" cannot be edited
      VirtualService  | hosts: [reviews]@http: [{headers: {request: {set: {host: x}}}, route: [{destination: {host: reviews}}]}] | spec.http[0].headers.request.set.host: header "host" cannot be edited
      VirtualService  | hosts: [reviews]@http: [{headers: {request: {remove: [""]}}, route: [{destination: {host: reviews}}]}] | spec.http[0].headers.request.remove[0]: a header name must not be empty
      VirtualService  | hosts: [reviews]@exportTo: ["", "~"]                 | spec.exportTo[0]: invalid exportTo ""
      VirtualService  | hosts: [reviews]@exportTo: [a/b]                     | spec.exportTo[0]: invalid exportTo "a/b"
      VirtualService  | hosts: [reviews]@exportTo: [7]                       | spec.exportTo[0]: expected a namespace name
      VirtualService  | hosts: [reviews]@exportTo: [., "~"]                  | spec.exportTo[1]: "~" cannot be combined
      VirtualService  | hosts: [reviews]@http: [{match: [{uri: {regex: "([a-z]+[0-9]{1,9}){8}"}}], route: [{destination: {host: reviews}}]}] | spec.http[0].match[0].uri.regex: regex "([a-z]+[0-9]{1,9}){8}" compiles to a program of
      VirtualService  | hosts: [reviews]@http: [{route: [{destination: {host: reviews}, weight: 2147483647}, {destination: {host: reviews}, weight: 2147483647}, {destination: {host: reviews}, weight: 2}]}] | spec.http[0].route: the weights of the 3 destinations sum to 4294967296
      VirtualService  | hosts: [reviews]@http: [{fault: {abort: {httpStatus: 503, percentage: {value: 101}}}, route: [{destination: {host: reviews}}]}] | percentage.value: must be in [0, 100]
      ServiceEntry    | hosts: [x.example.com]@ports: [{number: 70000, name: http}] | spec.ports[0].number: port 70000 is out of range 1..65535
      """)
  void valuesThatCannotWorkAreRefusedByFieldValueAndExpectation(String kind, String spec, String expected) {
    TestConfigs.write(dir, "bad.yaml", """
        apiVersion: networking.istio.io/v1
        kind: %s
        metadata: {name: bad}
        spec:
          %s
        """.formatted(kind, spec.replace("@", "\n  ")));

    assertThat(analyze()).isEqualTo(ControlPlaneCli.CONFIG_ERRORS);
    assertThat(out).contains("ERROR bad.yaml:", kind + " default/bad: ", expected);
  }

  @Test
  void aLongRegexIsRefusedWithoutCompilingItOrEchoingIt() {
    TestConfigs.write(dir, "bad.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: bad}
        spec:
          hosts: [reviews]
          http: [{match: [{uri: {regex: "%s"}}], route: [{destination: {host: reviews}}]}]
        """.formatted("a".repeat(100_000)));

    int exitCode = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> analyze());

    assertThat(exitCode).isEqualTo(ControlPlaneCli.CONFIG_ERRORS);
    assertThat(out).contains("regex of 100000 characters is longer than 1024").hasSizeLessThan(400);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      virtualservice    | networking.istio.io/v1 | did you mean VirtualService?
      'VirtualService ' | networking.istio.io/v1 | did you mean VirtualService?
      DestinatonRule    | networking.istio.io/v1 | did you mean DestinationRule?
      Frobnicator       | example.com/v1         | unknown kind "Frobnicator" (example.com/v1) is ignored
      """)
  void unknownKindsAreWarningsWithADidYouMeanAndStrictMakesThemErrors(String kind, String apiVersion,
      String expected) {
    TestConfigs.write(dir, "typo.yaml", """
        apiVersion: %s
        kind: "%s"
        metadata: {name: reviews}
        spec: {hosts: [reviews]}
        """.formatted(apiVersion, kind));

    assertThat(analyze()).isEqualTo(ControlPlaneCli.OK);
    assertThat(out).contains("WARNING typo.yaml:2: ", expected);
    assertThat(analyze("--strict")).isEqualTo(ControlPlaneCli.CONFIG_ERRORS);
    assertThat(out).contains("ERROR typo.yaml:2: ", expected);
  }

  @Test
  void anApiVersionThatIsNotGroupSlashVersionIsAWarning() {
    TestConfigs.write(dir, "typo.yaml", """
        apiVersion: "/"
        kind: VirtualService
        metadata: {name: reviews}
        spec: {hosts: [reviews]}
        """);

    assertThat(analyze()).isEqualTo(ControlPlaneCli.OK);
    assertThat(out).contains("WARNING typo.yaml:1: VirtualService default/reviews: apiVersion: "
        + "apiVersion \"/\" is not group/version");
  }

  @Test
  void wronglyTypedIdentityFieldsStillNameTheResource() {
    TestConfigs.write(dir, "typed.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: [a, b]}
        spec: {hosts: [reviews]}
        ---
        apiVersion: networking.istio.io/v1
        kind: [VirtualService]
        metadata: {name: ratings}
        spec: {hosts: [ratings]}
        """);

    analyze();

    assertThat(out.lines()).contains(
        "ERROR typed.yaml:3: VirtualService default/reviews: metadata.namespace: expected a string",
        "ERROR typed.yaml:7: (no kind) default/ratings: kind: expected a string");
  }

  @Test
  void aNameLongerThanKubernetesAllowsIsAnErrorThatDoesNotRepeatIt() {
    TestConfigs.write(dir, "long.yaml", TestConfigs.reviewsRoute("r".repeat(100_000), "{host: reviews}"));

    assertThat(analyze()).isEqualTo(ControlPlaneCli.CONFIG_ERRORS);
    assertThat(out.lines()).singleElement().asString()
        .startsWith("ERROR long.yaml:3: VirtualService default/" + "r".repeat(64) + "... (100000 characters): "
            + "metadata.name: is 100000 characters long; a Kubernetes name has at most 253")
        .hasSizeLessThan(300);
  }

  @Test
  void aBrokenSecretFileNeverPrintsItsValue() {
    TestConfigs.write(dir, "secret.yaml", """
        apiVersion: v1
        kind: Secret
        metadata: {name: db}
        data:
          password: c3VwZXItc2VjcmV0LXZhbHVl
          token: "hunter2-very-secret
        """);

    assertThat(analyze()).isEqualTo(ControlPlaneCli.CONFIG_ERRORS);
    assertThat(analyze("-o", "json")).isEqualTo(ControlPlaneCli.CONFIG_ERRORS);
    String all = out + err;
    assertThat(all).contains("secret.yaml").doesNotContain("c3VwZXItc2VjcmV0LXZhbHVl", "hunter2");
    analyze();
    assertThat(out).contains("ERROR secret.yaml:").doesNotContain("hunter2", "c3VwZXI");
  }

  @Test
  void invalidUtf8IsReportedWithItsByteOffset() throws IOException {
    byte[] head = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: \"".getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[head.length + 3];
    System.arraycopy(head, 0, bytes, 0, head.length);
    bytes[head.length] = (byte) 0xC3;
    bytes[head.length + 1] = (byte) 0x28;
    bytes[head.length + 2] = '"';
    Files.write(dir.resolve("latin.yaml"), bytes);

    assertThat(analyze()).isEqualTo(ControlPlaneCli.CONFIG_ERRORS);
    assertThat(out).contains("ERROR latin.yaml:4: not valid UTF-8: malformed byte sequence at byte offset "
        + head.length + " (line 4)");
  }

  @Test
  void aFileOverFourMebibytesIsRefusedByItsSize() throws IOException {
    Files.writeString(dir.resolve("big.yaml"), "# " + "x".repeat(4 * 1024 * 1024));

    assertThat(analyze()).isEqualTo(ControlPlaneCli.CONFIG_ERRORS);
    assertThat(out).contains("ERROR big.yaml:1: file is 4194306 bytes; at most 4194304 bytes are read");
  }

  @Test
  void aNulCharacterIsRefusedWithItsLineAndColumn() {
    TestConfigs.write(dir, "nul.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\u0000b}\n");

    assertThat(analyze("-o", "json")).isEqualTo(ControlPlaneCli.CONFIG_ERRORS);
    JsonObject diagnostic = JsonParser.parseString(out).getAsJsonObject()
        .getAsJsonArray("diagnostics").get(0).getAsJsonObject();
    assertThat(diagnostic.get("line").getAsInt()).isEqualTo(3);
    assertThat(diagnostic.get("column").getAsInt()).isEqualTo(19);
    assertThat(diagnostic.get("message").getAsString())
        .isEqualTo("invalid YAML: the character U+0000 is not allowed in YAML");
  }

  @Test
  void duplicateKeysAreErrorsWithLineAndColumn() {
    TestConfigs.write(dir, "dup.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          hosts: [ratings]
        """);

    assertThat(analyze("-o", "json")).isEqualTo(ControlPlaneCli.CONFIG_ERRORS);
    JsonObject diagnostic = JsonParser.parseString(out).getAsJsonObject()
        .getAsJsonArray("diagnostics").get(0).getAsJsonObject();
    assertThat(diagnostic.get("code").getAsString()).isEqualTo("BLN0001");
    assertThat(diagnostic.get("file").getAsString()).isEqualTo("dup.yaml");
    assertThat(diagnostic.get("line").getAsInt()).isEqualTo(6);
    assertThat(diagnostic.get("column").getAsInt()).isEqualTo(3);
    assertThat(diagnostic.get("message").getAsString()).contains("duplicate key \"hosts\"");
  }

  @Test
  void aMissingDirectoryIsAToolFailureNotAConfigurationError() {
    dir = dir.resolve("absent");

    assertThat(analyze()).isEqualTo(ControlPlaneCli.CANNOT_RUN);
    assertThat(err.lines()).singleElement().asString().endsWith("absent: no such file or directory");
  }
}
