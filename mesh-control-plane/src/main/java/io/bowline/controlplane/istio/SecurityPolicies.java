package io.bowline.controlplane.istio;

import java.util.List;

/**
 * The security resources of a configuration, in file order.
 *
 * @param peerAuthentications the PeerAuthentications
 * @param authorizationPolicies the AuthorizationPolicies
 */
public record SecurityPolicies(List<PeerAuthentication> peerAuthentications,
    List<AuthorizationPolicy> authorizationPolicies) {

  /** No security resources. */
  public static final SecurityPolicies NONE = new SecurityPolicies(List.of(), List.of());

  /** Copies the lists so the record stays immutable. */
  public SecurityPolicies {
    peerAuthentications = List.copyOf(peerAuthentications);
    authorizationPolicies = List.copyOf(authorizationPolicies);
  }
}
