package io.bowline.proxy.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code bowline-proxy} command line once parsed and checked: what {@link ProxyRunner} needs to start the proxy,
 * in JDK types only, so that it outlives the class loader that parsed it ({@link ProxyMain}).
 *
 * @param xds the ADS server, {@code host:port} ({@code --xds}), or {@code null}
 * @param bootstrap the gRPC xDS bootstrap file ({@code --bootstrap}), or {@code null}
 * @param workload {@code NAME.NAMESPACE} or {@code NAME} ({@code --workload}), or {@code null}
 * @param serviceAccount the Kubernetes service account ({@code --service-account}), or {@code null}
 * @param labels the workload's labels in the order given ({@code --label KEY=VALUE})
 * @param outbound the outbound listener's port, or {@code null} for none
 * @param inbound the inbound listener's port and the application's port ({@code --inbound LISTEN:APP}), or
 *     {@code null} for none
 * @param admin the admin port, or {@code null} for none
 * @param bind the address the listeners bind
 * @param registryOnly Istio's {@code outboundTrafficPolicy.mode} {@code REGISTRY_ONLY} (else {@code ALLOW_ANY})
 * @param threads the event-loop threads, or {@code null} for one per processor
 * @param gateway the gateway role ({@code --gateway})
 * @param gatewayPorts a Gateway server's port number to the local port bound for it ({@code --gateway-port})
 * @param gatewayHttp2 HTTP/2 on the gateway's HTTP servers
 * @param tcpPorts a TCP service port to the local port bound for its outbound listener ({@code --tcp-port})
 * @param certificateProviders the bootstrap's {@code certificate_providers} member (gRFC A29's {@code file_watcher},
 *     named {@code default}) for the certificate file flags, or {@code null} when they are not given
 */
public record ProxySettings(String xds, Path bootstrap, String workload, String serviceAccount,
    Map<String, String> labels, Integer outbound, int[] inbound, Integer admin, String bind, boolean registryOnly,
    Integer threads, boolean gateway, Map<Integer, Integer> gatewayPorts, boolean gatewayHttp2,
    Map<Integer, Integer> tcpPorts, String certificateProviders) {}
