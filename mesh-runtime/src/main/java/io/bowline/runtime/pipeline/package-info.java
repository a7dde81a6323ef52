/**
 * The exchange pipeline every adapter goes through: {@code OutboundRouter} (listener, route, cluster),
 * {@code MeshExchange}, the compiled {@code RouteChain}s, response flags and the schedulers exchanges run
 * on. Must not import the fault and mirror filters, the router's state machine or adapters.
 */
package io.bowline.runtime.pipeline;
