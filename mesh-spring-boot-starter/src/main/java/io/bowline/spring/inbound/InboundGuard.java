package io.bowline.spring.inbound;

import io.bowline.api.MeshClient;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.inbound.InboundPort;
import io.bowline.runtime.inbound.InboundRequest;
import io.bowline.runtime.inbound.PeerIdentity;
import io.bowline.runtime.inbound.RbacDecision;
import io.bowline.runtime.telemetry.IstioMetrics;
import io.bowline.tls.WorkloadCertificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * What the inbound filters of MVC ({@link InboundServletFilter}) and WebFlux ({@link InboundWebFilter}) ask the mesh
 * client for each request a server of the workload answers: the RBAC decision of the request's port
 * ({@code serverListeners().port(n).check}, AuthorizationPolicy as Envoy's {@code envoy.filters.http.rbac}) with the
 * peer identity of its verified client certificate, and Istio's inbound metrics ({@code reporter="destination"},
 * {@link IstioMetrics#recordInbound}). A port without a server listener (the control plane knows no service port
 * of this workload there) is not checked: the application serves it as it would without the mesh.
 */
public final class InboundGuard {
  /** Istio's HTTP metadata exchange header: the caller's node metadata. */
  static final String PEER_METADATA = "x-envoy-peer-metadata";
  /** Envoy's response flag of a request the RBAC filter denied. */
  static final String RBAC_FLAG = "RBAC";

  private final RuntimeMeshClient mesh;
  private final boolean metrics;
  private final Supplier<WorkloadCertificate> served;

  /**
   * @param mesh the application's mesh client
   * @param metrics whether to record Istio's inbound metrics
   * @param served the certificate the server presents (its SPIFFE ID is {@code destination_principal}), or a
   *     supplier of {@code null} when the server does not serve the mesh's certificate
   */
  public InboundGuard(MeshClient mesh, boolean metrics, Supplier<WorkloadCertificate> served) {
    this.mesh = RuntimeMeshClient.of(mesh);
    this.metrics = metrics;
    this.served = served;
  }

  /**
   * The RBAC decision for {@code request} on its local port, or {@code null} when the port has no server listener.
   *
   * @param request the request and its connection
   * @return the decision, or {@code null} (not a mesh port)
   */
  RbacDecision check(InboundRequest request) {
    InboundPort port = mesh.serverListeners().port(request.local().getPort());
    if (port.listener().isEmpty()) {
      return null;
    }
    return port.check(request);
  }

  /** The verified client identity of a leaf certificate chain ({@code null} or empty: none). */
  static PeerIdentity peer(X509Certificate[] chain) {
    return chain == null || chain.length == 0 ? null : PeerIdentity.of(chain[0]);
  }

  /**
   * Records one answered request in Istio's inbound metrics.
   *
   * @param request the request as RBAC saw it
   * @param status the response status
   * @param flags {@code RBAC} when denied, else {@code ""}
   * @param durationNanos time from arrival to the end of the response
   * @param requestBytes request body bytes read
   * @param responseBytes response body bytes written
   */
  void record(InboundRequest request, int status, String flags, long durationNanos, long requestBytes,
      long responseBytes) {
    if (!metrics) {
      return;
    }
    List<String> metadata = request.headers(PEER_METADATA);
    String contentType = request.headers("content-type").stream().findFirst().orElse("");
    String protocol = contentType.toLowerCase(Locale.ROOT).startsWith("application/grpc") ? "grpc" : "http";
    String peer = request.peer() == null || request.peer().principal().isEmpty() ? null : request.peer().principal();
    mesh.istioMetrics().recordInbound(new IstioMetrics.ServedRequest(peer, request.tls() ? localPrincipal() : null,
        metadata.isEmpty() ? null : metadata.get(0), request.authority(), protocol, status, -1, flags, durationNanos,
        requestBytes, responseBytes));
  }

  /** The SPIFFE ID of the certificate the server presents, or {@code null}. */
  private String localPrincipal() {
    WorkloadCertificate c = served.get();
    String principal = c == null ? "" : PeerIdentity.of(c.leaf()).principal();
    return principal.isEmpty() ? null : principal;
  }
}
