package io.bowline.controlplane.istio;

/**
 * One {@code ServiceEntry.ports[]} entry.
 *
 * @param number the service port ({@code number}), 1..65535
 * @param name the port name ({@code name}), which endpoints use as the key of their {@code ports} map;
 *     {@code ""} when unset
 * @param protocol {@code protocol} (HTTP, HTTP2, GRPC, TCP, ...); {@code ""} when unset
 * @param targetPort the endpoint port when an endpoint names none ({@code targetPort}); 0 when unset
 */
public record ServicePort(int number, String name, String protocol, int targetPort) {}
