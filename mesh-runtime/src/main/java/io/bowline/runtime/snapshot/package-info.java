/**
 * {@code SnapshotCompiler} turns accepted xDS resources into an immutable {@code MeshSnapshot}: listeners,
 * compiled route configurations, clusters with their load balancers. Must not import the pipeline, filters,
 * router or adapters.
 */
package io.bowline.runtime.snapshot;
