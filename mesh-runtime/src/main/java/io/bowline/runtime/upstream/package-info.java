/**
 * The cluster manager, in Envoy's words: per-cluster state ({@code ClusterResilience}), the {@code
 * PrioritySet} with each host's {@code HostHealth}, outlier detection and attempt outcomes. Must not import
 * routing, the pipeline, router, filters or adapters.
 */
package io.bowline.runtime.upstream;
