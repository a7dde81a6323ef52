package io.bowline.runtime.upstream;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.runtime.tls.UpstreamTlsHandle;
import io.bowline.runtime.upstream.lb.ClusterLoadBalancing;

/**
 * A cluster ready for the data path: its config, its endpoint assignment, its load balancer and its TLS.
 *
 * @param cluster the CDS resource
 * @param assignment the endpoints it balances over (empty until EDS delivers them)
 * @param balancing the load balancer and its hosts
 * @param tls the compiled {@code transport_socket} TLS context, or {@code null} for plaintext
 */
public record ClusterEntry(Cluster cluster, ClusterLoadAssignment assignment, ClusterLoadBalancing balancing,
    UpstreamTlsHandle tls) {

  /** A plaintext cluster. */
  public ClusterEntry(Cluster cluster, ClusterLoadAssignment assignment, ClusterLoadBalancing balancing) {
    this(cluster, assignment, balancing, null);
  }
}
