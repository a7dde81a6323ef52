package io.bowline.runtime.upstream;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.runtime.tls.TransportSockets;
import io.bowline.runtime.upstream.lb.ClusterLoadBalancing;

/**
 * A cluster ready for the data path: its config, its endpoint assignment, its load balancer and its TLS.
 *
 * @param cluster the CDS resource
 * @param assignment the endpoints it balances over (empty until EDS delivers them)
 * @param balancing the load balancer and its hosts
 * @param sockets the compiled {@code transport_socket} and {@code transport_socket_matches}: which TLS handle
 *     (or plaintext) each endpoint gets
 */
public record ClusterEntry(Cluster cluster, ClusterLoadAssignment assignment, ClusterLoadBalancing balancing,
    TransportSockets sockets) {

  /** A plaintext cluster. */
  public ClusterEntry(Cluster cluster, ClusterLoadAssignment assignment, ClusterLoadBalancing balancing) {
    this(cluster, assignment, balancing, TransportSockets.PLAINTEXT);
  }

  /** Checks the components. */
  public ClusterEntry {
    java.util.Objects.requireNonNull(sockets, "sockets");
  }
}
