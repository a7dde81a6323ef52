package io.bowline.controlplane.istio;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An Istio {@code Gateway} (networking.istio.io v1/v1beta1/v1alpha3): the servers a gateway workload (a proxy
 * of the router kind) exposes, and which workloads it applies to.
 *
 * @param ref where it came from
 * @param selector {@code spec.selector}: the labels a gateway workload must carry; empty selects every gateway
 *     workload
 * @param servers {@code spec.servers[]}, in order (servers skipped with an error are left out)
 */
public record Gateway(ResourceRef ref, Map<String, String> selector, List<Server> servers) {

  /** Copies the collections so the record stays immutable. */
  public Gateway {
    selector = Map.copyOf(new TreeMap<>(selector));
    servers = List.copyOf(servers);
  }

  /** Whether a gateway workload with {@code labels} is selected. */
  public boolean selects(Map<String, String> labels) {
    return labels.entrySet().containsAll(selector.entrySet());
  }

  /** The reference {@code namespace/name} a VirtualService's {@code gateways} entry resolves to. */
  public String qualifiedName() {
    return ref.namespace() + "/" + ref.name();
  }

  /**
   * One {@code Server}.
   *
   * @param field its field path, for example {@code spec.servers[0]}
   * @param port {@code port}
   * @param hosts {@code hosts}, each {@code host} or {@code namespace/host} as written
   * @param bind {@code bind}; {@code ""} when unset (every address)
   * @param tls {@code tls}; {@link ServerTls#NONE} when unset
   */
  public record Server(String field, Port port, List<String> hosts, String bind, ServerTls tls) {

    /** Copies the list so the record stays immutable. */
    public Server {
      hosts = List.copyOf(hosts);
      tls = tls == null ? ServerTls.NONE : tls;
    }

    /** Whether the server speaks HTTP in plaintext (HTTP, HTTP2, GRPC): its routes are {@code http.<port>}. */
    public boolean isHttp() {
      return port.protocol().equals("HTTP") || port.protocol().equals("HTTP2") || port.protocol().equals("GRPC");
    }

    /** Whether the server terminates TLS and routes HTTP: protocol HTTPS with a mode other than PASSTHROUGH. */
    public boolean isHttps() {
      return port.protocol().equals("HTTPS") && !isPassthrough();
    }

    /** Whether the server forwards TLS untouched, routed by SNI ({@code PASSTHROUGH} or AUTO_PASSTHROUGH). */
    public boolean isPassthrough() {
      return tls.mode() == TlsMode.PASSTHROUGH || tls.mode() == TlsMode.AUTO_PASSTHROUGH;
    }
  }

  /**
   * {@code Port}.
   *
   * @param number {@code number}, 1..65535
   * @param name {@code name}
   * @param protocol {@code protocol}, upper case: HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP or TLS
   */
  public record Port(int number, String name, String protocol) {

    /** Upper-cases the protocol, as istiod parses it. */
    public Port {
      protocol = protocol.toUpperCase(Locale.ROOT);
    }
  }

  /**
   * {@code ServerTLSSettings}, as far as it is translated.
   *
   * @param httpsRedirect {@code httpsRedirect}: answer plaintext requests with a 301 to https
   * @param mode {@code mode}; {@link TlsMode#NONE} when the server has no {@code tls}
   * @param credentialName {@code credentialName}: the Kubernetes Secret holding the key and certificate (and,
   *     for MUTUAL, {@code ca.crt} or a secret {@code <credentialName>-cacert}); {@code ""} when unset
   * @param subjectAltNames {@code subjectAltNames}: the SANs a client certificate must carry (MUTUAL)
   */
  public record ServerTls(boolean httpsRedirect, TlsMode mode, String credentialName, List<String> subjectAltNames) {

    /** No {@code tls} block. */
    public static final ServerTls NONE = new ServerTls(false, TlsMode.NONE, "", List.of());

    /** Copies the list so the record stays immutable. */
    public ServerTls {
      subjectAltNames = List.copyOf(subjectAltNames);
    }
  }

  /** {@code ServerTLSSettings.TLSmode}; {@link #NONE} when the server has no {@code tls} at all. */
  public enum TlsMode {
    /** No TLS settings. */
    NONE,
    /** Forward the TLS connection untouched, chosen by SNI. */
    PASSTHROUGH,
    /** Terminate TLS with the server certificate of {@code credentialName}. */
    SIMPLE,
    /** Terminate TLS and require a client certificate signed by the CA of {@code credentialName}. */
    MUTUAL,
    /** Passthrough with SNI-encoded destinations (multi-network); not translated. */
    AUTO_PASSTHROUGH,
    /** Terminate TLS with the workload certificate of the mesh and require a mesh client certificate. */
    ISTIO_MUTUAL,
    /** Terminate TLS, accepting a client certificate when one is offered; not translated. */
    OPTIONAL_MUTUAL
  }
}
