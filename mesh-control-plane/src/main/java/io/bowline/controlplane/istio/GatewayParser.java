package io.bowline.controlplane.istio;

import io.bowline.controlplane.DiagnosticCode;
import io.bowline.controlplane.istio.Gateway.Port;
import io.bowline.controlplane.istio.Gateway.Server;
import io.bowline.controlplane.istio.Gateway.ServerTls;
import io.bowline.controlplane.istio.Gateway.TlsMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses a Gateway's {@code spec} and validates it as istiod's {@code ValidateGateway} does: at least one
 * server; each with a port (number, a known protocol, a name unique within the Gateway), at least one host
 * ({@code host} or {@code namespace/host}, the namespace {@code .}, {@code *} or a name, the host {@code *}, a
 * {@code *.suffix} or a DNS name), TLS settings on HTTPS and TLS servers, and for SIMPLE and MUTUAL a
 * {@code credentialName} (certificate files on the gateway's disk are not translated).
 */
final class GatewayParser {

  private static final Set<String> HANDLED = Set.of("selector", "servers");
  private static final Set<String> SERVER_FIELDS = Set.of("port", "hosts", "bind", "tls", "name");
  private static final Set<String> SERVER_IGNORED = Set.of("defaultEndpoint");
  private static final Set<String> PORT_FIELDS = Set.of("number", "name", "protocol", "targetPort");
  private static final Set<String> TLS_FIELDS = Set.of("httpsRedirect", "mode", "credentialName", "subjectAltNames");
  private static final Set<String> TLS_IGNORED = Set.of("minProtocolVersion", "maxProtocolVersion", "cipherSuites",
      "verifyCertificateSpki", "verifyCertificateHash");
  /** The protocols istiod accepts on a Gateway port. */
  static final List<String> PROTOCOLS = List.of("HTTP", "HTTPS", "GRPC", "HTTP2", "MONGO", "TCP", "TLS");
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private GatewayParser() {}

  /** Returns the Gateway, or empty after an error (nothing of an invalid Gateway is served). */
  static Optional<Gateway> parse(SpecReader spec) {
    spec.reportUnhandled(HANDLED, Set.of());
    Map<String, String> selector = spec.stringMap("selector");
    List<SpecReader> serverSpecs = spec.objects("servers");
    if (serverSpecs.isEmpty() && !spec.has("servers")) {
      spec.error("servers", "missing required field (a Gateway needs at least one server)");
    }
    List<Server> servers = new ArrayList<>();
    Map<String, String> portNames = new HashMap<>();
    for (SpecReader server : serverSpecs) {
      server(server).ifPresent(parsed -> {
        String earlier = portNames.putIfAbsent(parsed.port().name(), server.path());
        if (earlier != null) {
          server.error("port.name", "port name " + ValueChecks.quote(parsed.port().name()) + " is also used by "
              + earlier + "; port names must be unique within a Gateway");
        }
        servers.add(parsed);
      });
    }
    return spec.diagnostics().hasErrors()
        ? Optional.empty()
        : Optional.of(new Gateway(spec.ref(), selector, servers));
  }

  private static Optional<Server> server(SpecReader server) {
    server.reportUnhandled(SERVER_FIELDS, SERVER_IGNORED);
    Optional<Port> port = server.object("port").flatMap(GatewayParser::port);
    if (!server.has("port")) {
      server.error("port", "missing required field");
    }
    List<String> hosts = server.strings("hosts");
    if (hosts.isEmpty()) {
      server.error("hosts", "missing required field (at least one host, for example \"*\" or \"./bookinfo.example.com\")");
    }
    boolean valid = port.isPresent() && !hosts.isEmpty();
    for (int i = 0; i < hosts.size(); i++) {
      valid &= host(server, "hosts[" + i + "]", hosts.get(i));
    }
    ServerTls tls = server.object("tls").map(GatewayParser::tls).orElse(ServerTls.NONE);
    if (port.isPresent() && isTlsProtocol(port.get()) && server.has("tls") && tls.mode() == TlsMode.NONE) {
      // a tls block without mode: Istio's default mode, PASSTHROUGH
      tls = new ServerTls(tls.httpsRedirect(), TlsMode.PASSTHROUGH, tls.credentialName(), tls.subjectAltNames());
    }
    if (port.isPresent()) {
      valid &= checkTls(server, port.get(), tls);
    }
    String bind = server.string("bind").orElse("");
    return valid ? Optional.of(new Server(server.path(), port.get(), hosts, bind, tls)) : Optional.empty();
  }

  private static Optional<Port> port(SpecReader port) {
    port.reportUnhandled(PORT_FIELDS, Set.of());
    OptionalInt number = port.port("number");
    if (!port.has("number")) {
      port.error("number", "missing required field");
    }
    Optional<String> protocol = port.requiredString("protocol");
    Optional<String> name = port.requiredString("name");
    if (protocol.isPresent() && !PROTOCOLS.contains(protocol.get().toUpperCase(Locale.ROOT))) {
      port.error("protocol", "unknown protocol " + ValueChecks.quote(protocol.get()) + "; expected one of "
          + String.join(", ", PROTOCOLS));
      return Optional.empty();
    }
    if (number.isEmpty() || protocol.isEmpty() || name.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Port(number.getAsInt(), name.get(), protocol.get()));
  }

  /** Checks one {@code hosts} entry, {@code [namespace/]host}; reports an error and answers false if invalid. */
  private static boolean host(SpecReader server, String field, String entry) {
    int slash = entry.indexOf('/');
    String namespace = slash < 0 ? "*" : entry.substring(0, slash);
    String host = entry.substring(slash + 1);
    if (!namespace.equals(".") && !namespace.equals("*") && !NAMESPACE.matcher(namespace).matches()) {
      server.error(field, "namespace " + ValueChecks.quote(namespace) + " of " + ValueChecks.quote(entry)
          + " must be '.', '*' or a namespace name");
      return false;
    }
    String name = host.startsWith("*.") ? host.substring(2) : host;
    if (!host.equals("*") && !ValueChecks.isHostName(name)) {
      server.error(field, ValueChecks.quote(host) + " is not a host name: expected \"*\", \"*.suffix\" or a DNS name");
      return false;
    }
    return true;
  }

  private static ServerTls tls(SpecReader tls) {
    tls.reportUnhandled(TLS_FIELDS, TLS_IGNORED);
    for (String file : List.of("serverCertificate", "privateKey", "caCertificates", "caCrl")) {
      if (tls.has(file)) {
        tls.warning(DiagnosticCode.NOT_TRANSLATED, file, file + " (a file on the gateway's disk) is not "
            + "translated; use credentialName with a Secret of type kubernetes.io/tls in the configuration directory");
      }
    }
    String modeText = tls.string("mode").orElse(TlsMode.NONE.name());
    TlsMode mode = TlsMode.NONE;
    try {
      mode = TlsMode.valueOf(modeText);
    } catch (IllegalArgumentException e) {
      tls.error("mode", "unknown TLS mode " + ValueChecks.quote(modeText) + "; expected one of "
          + Arrays.stream(TlsMode.values()).skip(1).map(Enum::name).toList());
    }
    return new ServerTls(tls.bool("httpsRedirect").orElse(false), mode, tls.string("credentialName").orElse(""),
        tls.strings("subjectAltNames"));
  }

  private static boolean isTlsProtocol(Port port) {
    return port.protocol().equals("HTTPS") || port.protocol().equals("TLS");
  }

  /** Checks a server's TLS settings against its protocol; reports an error and answers false if they cannot work. */
  private static boolean checkTls(SpecReader server, Port port, ServerTls tls) {
    boolean tlsProtocol = isTlsProtocol(port);
    if (tlsProtocol && tls.mode() == TlsMode.NONE) {
      server.error("tls", "a " + port.protocol() + " server needs tls settings (mode SIMPLE, MUTUAL, "
          + "PASSTHROUGH or ISTIO_MUTUAL)");
      return false;
    }
    if (!tlsProtocol && tls.mode() != TlsMode.NONE) {
      server.warning("tls.mode", "tls mode " + tls.mode() + " has no effect on a " + port.protocol()
          + " server; use protocol HTTPS");
    }
    if (tls.httpsRedirect() && !port.protocol().equals("HTTP")) {
      server.warning("tls.httpsRedirect", "httpsRedirect only applies to HTTP servers; ignored on " + port.protocol());
    }
    if ((tls.mode() == TlsMode.SIMPLE || tls.mode() == TlsMode.MUTUAL) && tls.credentialName().isEmpty()) {
      server.error("tls.credentialName", "tls mode " + tls.mode() + " needs credentialName (the Secret of type "
          + "kubernetes.io/tls holding the server's key and certificate)");
      return false;
    }
    if (tls.mode() == TlsMode.AUTO_PASSTHROUGH || tls.mode() == TlsMode.OPTIONAL_MUTUAL) {
      server.warning(DiagnosticCode.NOT_TRANSLATED, "tls.mode", "tls mode " + tls.mode() + " is not translated; "
          + "the server is skipped");
    }
    if (port.protocol().equals("TCP") || port.protocol().equals("MONGO")
        || port.protocol().equals("TLS") && !(tls.mode() == TlsMode.PASSTHROUGH)) {
      server.warning(DiagnosticCode.NOT_TRANSLATED, "port.protocol", "protocol " + port.protocol()
          + (port.protocol().equals("TLS") ? " with mode " + tls.mode() : "") + " is not translated; the server is "
          + "skipped");
    }
    return true;
  }
}
