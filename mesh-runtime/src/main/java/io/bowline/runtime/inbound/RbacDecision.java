package io.bowline.runtime.inbound;

/**
 * The outcome of the RBAC filters of an inbound request. Denied requests get HTTP 403 with the body
 * {@value #DENIED_BODY}, or gRPC {@code PERMISSION_DENIED}, as Envoy and gRPC answer them.
 *
 * @param allowed whether every RBAC filter allowed the request
 * @param filterName the filter that denied it (e.g. {@code envoy.filters.http.rbac.DENY}), or {@code ""} when
 *     allowed or when no server listener applies
 * @param policy the DENY policy that matched (Istio names it {@code ns[<namespace>]-policy[<name>]-rule[<i>]}
 *     or {@code <namespace>-<name>-<i>}), or {@code ""} (an ALLOW filter no policy of which matched)
 * @param reason why, for logs: Envoy's response code details, e.g.
 *     {@code rbac_access_denied_matched_policy[default-deny-all-0]} or {@code rbac_access_denied_matched_policy[none]}
 */
public record RbacDecision(boolean allowed, String filterName, String policy, String reason) {
  /** The body Envoy sends with a 403 from RBAC. */
  public static final String DENIED_BODY = "RBAC: access denied";

  /** Allowed. */
  public static final RbacDecision ALLOW = new RbacDecision(true, "", "", "");

  static RbacDecision denied(String filter, String policy) {
    return new RbacDecision(false, filter, policy,
        "rbac_access_denied_matched_policy[" + (policy.isEmpty() ? "none" : policy) + "]");
  }

  static RbacDecision refused(String reason) {
    return new RbacDecision(false, "", "", reason);
  }
}
