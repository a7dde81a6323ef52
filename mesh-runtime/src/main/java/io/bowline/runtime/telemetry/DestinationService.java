package io.bowline.runtime.telemetry;

/**
 * The {@code destination_service*} labels of a call, from istiod's cluster name
 * ({@code outbound|<port>|<subset>|<host>}) or, when no cluster was chosen, the request's authority.
 *
 * @param service the destination host ({@code reviews.default.svc.cluster.local})
 * @param name its first label ({@code reviews}), as Istio reports it
 * @param namespace its Kubernetes namespace ({@code default}), or {@code unknown}
 */
record DestinationService(String service, String name, String namespace) {

  static DestinationService of(String clusterName, String authority) {
    String host;
    if (clusterName != null && clusterName.startsWith("outbound|")) {
      host = clusterName.substring(clusterName.lastIndexOf('|') + 1);
    } else if (clusterName != null) {
      return new DestinationService(clusterName, clusterName, LocalWorkload.UNKNOWN);
    } else {
      host = stripPort(authority);
    }
    if (host == null || host.isEmpty()) {
      return new DestinationService(LocalWorkload.UNKNOWN, LocalWorkload.UNKNOWN, LocalWorkload.UNKNOWN);
    }
    int svc = host.indexOf(".svc.");
    int dot = host.indexOf('.');
    if (svc > 0 && dot < svc) {
      return new DestinationService(host, host.substring(0, dot), host.substring(dot + 1, svc));
    }
    return new DestinationService(host, host, LocalWorkload.UNKNOWN);
  }

  private static String stripPort(String authority) {
    if (authority == null) {
      return null;
    }
    int colon = authority.lastIndexOf(':');
    return colon > 0 && authority.indexOf(']') < colon ? authority.substring(0, colon) : authority;
  }
}
