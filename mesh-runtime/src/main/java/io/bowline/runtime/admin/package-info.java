/**
 * Envoy's admin interface for one mesh client: {@code /config_dump}, {@code /clusters}, {@code /stats},
 * {@code /stats/prometheus}, {@code /ready}, {@code /healthz}, CSDS over gRPC and the mesh page at {@code /}, as
 * handlers independent of any HTTP server ({@link io.bowline.runtime.admin.AdminHandlers}) plus the JDK server
 * that serves them. Reads the config plane, the snapshot and the upstream state; never imports the client,
 * the pipeline, the router or the adapters.
 */
package io.bowline.runtime.admin;
