/**
 * Active health checking ({@code Cluster.health_checks}): HTTP, gRPC and TCP probes, one per host and
 * check in the process, shared by every client, whose results set {@code FAILED_ACTIVE_HC}. Must not
 * import routing, the pipeline, router, filters or adapters.
 */
package io.bowline.runtime.upstream.health;
