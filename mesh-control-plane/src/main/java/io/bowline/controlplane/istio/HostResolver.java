package io.bowline.controlplane.istio;

import java.util.List;
import java.util.Set;

/**
 * Resolves the host names written in Istio resources to FQDNs the way Kubernetes DNS search paths and
 * istiod do, relative to the namespace of the resource that wrote them:
 *
 * <ul>
 *   <li>{@code reviews} → {@code reviews.<ns>.svc.<domain>};
 *   <li>{@code reviews.prod} → {@code reviews.prod.svc.<domain>} when {@code prod} is the resource's namespace
 *       or a namespace that appears in the configuration;
 *   <li>{@code reviews.prod.svc} → {@code reviews.prod.svc.<domain>};
 *   <li>anything else (for example {@code www.example.com}) is taken as an FQDN.
 * </ul>
 *
 * Wildcard hosts ({@code *}, {@code *.example.com}) are returned unchanged.
 */
public final class HostResolver {

  /** The Kubernetes cluster domain Istio uses by default. */
  public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";

  private final String clusterDomain;
  private final Set<String> namespaces;

  /**
   * @param clusterDomain the cluster DNS domain, for example {@code cluster.local}
   * @param namespaces namespaces known from the configuration, used to recognise {@code <name>.<ns>}
   */
  public HostResolver(String clusterDomain, Set<String> namespaces) {
    this.clusterDomain = clusterDomain;
    this.namespaces = Set.copyOf(namespaces);
  }

  /** The cluster domain this resolver appends. */
  public String clusterDomain() {
    return clusterDomain;
  }

  /** Whether {@code host} is a wildcard ({@code *} or {@code *.suffix}). */
  public static boolean isWildcard(String host) {
    return host.contains("*");
  }

  /** Resolves {@code host}, as written in a resource of {@code namespace}, to an FQDN. */
  public String resolve(String host, String namespace) {
    if (isWildcard(host)) {
      return host;
    }
    String[] labels = host.split("\\.", -1);
    if (labels.length == 1) {
      return host + "." + namespace + ".svc." + clusterDomain;
    }
    if (labels.length == 2 && (labels[1].equals(namespace) || namespaces.contains(labels[1]))) {
      return host + ".svc." + clusterDomain;
    }
    if (labels.length == 3 && labels[2].equals("svc")) {
      return host + "." + clusterDomain;
    }
    return host;
  }

  /**
   * The names a client may use for {@code fqdn}: the FQDN itself and, for a Kubernetes-style
   * {@code <name>.<ns>.svc.<domain>}, also {@code <name>.<ns>.svc}, {@code <name>.<ns>} and {@code <name>}
   * (istiod lists the same in a sidecar's virtual host domains).
   */
  public List<String> aliases(String fqdn) {
    String suffix = ".svc." + clusterDomain;
    if (fqdn.endsWith(suffix)) {
      String[] labels = fqdn.substring(0, fqdn.length() - suffix.length()).split("\\.", -1);
      if (labels.length == 2 && !labels[0].isEmpty() && !labels[1].isEmpty()) {
        String nameNs = labels[0] + "." + labels[1];
        return List.of(fqdn, nameNs + ".svc", nameNs, labels[0]);
      }
    }
    return List.of(fqdn);
  }
}
