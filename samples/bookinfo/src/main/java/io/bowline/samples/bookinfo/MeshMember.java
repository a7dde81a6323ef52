package io.bowline.samples.bookinfo;

import io.bowline.api.MeshClient;
import io.bowline.controlplane.translate.ClientView;

/**
 * A node of the demo's mesh whose config a step waits for (see {@link ConfigSync}): a Bookinfo workload or the
 * ingress gateway.
 */
interface MeshMember {

  /** The name used in messages, e.g. {@code reviews-v2} or {@code istio-ingressgateway}. */
  String name();

  /** How the control plane groups this member's node (its namespace, labels and kind). */
  ClientView view();

  /** The member's mesh client, whose ACKed versions are compared with what the control plane serves. */
  MeshClient mesh();
}
