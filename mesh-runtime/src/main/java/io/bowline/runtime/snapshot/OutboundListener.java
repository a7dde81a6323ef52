package io.bowline.runtime.snapshot;

import io.bowline.runtime.routing.CompiledRouteConfig;

/**
 * An outbound listener ready for the data path.
 *
 * @param name listener name, e.g. {@code reviews.default.svc.cluster.local:9080}
 * @param routes its compiled route configuration, or {@code null} while RDS has not delivered it
 *     (or it does not exist): calls then get Envoy's 404 {@code NR}
 */
public record OutboundListener(String name, CompiledRouteConfig routes) {}
