/**
 * JMH benchmarks and harnesses (P1 latency, route decision, resilience path, gRPC throughput, start-up) run
 * against the reactor's own modules on loopback. Uses only the public entry points and the runtime's
 * packages; nothing imports it.
 */
package io.bowline.benchmarks;
