package io.bowline.controlplane.interop;

/**
 * The interop tests' gRPC service as Istio YAML: ServiceEntry {@code greeter.default.svc.cluster.local} port 8080
 * (GRPC) with one WorkloadEntry on loopback, selected by {@code app: greeter}.
 */
final class GreeterService {
  private GreeterService() {}

  /**
   * @param targetPort the loopback port the workload listens on
   * @param serviceAccount the WorkloadEntry's {@code serviceAccount}, or {@code null} for none
   * @return the two documents, ending with a newline (more documents may follow after {@code ---})
   */
  static String yaml(int targetPort, String serviceAccount) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: greeter}
        spec:
          hosts: [greeter.default.svc.cluster.local]
          ports: [{number: 8080, name: grpc, protocol: GRPC, targetPort: %d}]
          resolution: STATIC
          workloadSelector: {labels: {app: greeter}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: greeter-1}
        spec:
          address: 127.0.0.1
          labels: {app: greeter}
        """.formatted(targetPort) + (serviceAccount == null ? "" : "  serviceAccount: " + serviceAccount + "\n");
  }
}
