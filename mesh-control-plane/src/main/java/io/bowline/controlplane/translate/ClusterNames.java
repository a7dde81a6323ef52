package io.bowline.controlplane.translate;

/** Istio's xDS resource names for outbound traffic (istiod {@code model.BuildSubsetKey}, grpcgen LDS). */
public final class ClusterNames {

  private ClusterNames() {}

  /**
   * The outbound cluster name {@code outbound|<port>|<subset>|<host>}; also the name of the service's route
   * configuration (with an empty subset) and of each cluster's EDS resource.
   *
   * @param port the service port
   * @param subset the DestinationRule subset, {@code ""} for the whole service
   * @param host the service FQDN
   */
  public static String outbound(int port, String subset, String host) {
    return "outbound|" + port + "|" + subset + "|" + host;
  }

  /** The outbound API listener name {@code <host>:<port>}. */
  public static String listener(String host, int port) {
    return host + ":" + port;
  }
}
