package io.bowline.api;

import java.time.Duration;

/**
 * Everything {@link MeshClient.Builder} collected, handed to the runtime.
 *
 * @param workload who the client speaks for
 * @param xdsServer ADS server {@code host:port}
 * @param clusterDomain Kubernetes cluster domain, e.g. {@code cluster.local}
 * @param initialFetchTimeout how long a call waits for the first configuration
 */
public record MeshSettings(
    Workload workload, String xdsServer, String clusterDomain, Duration initialFetchTimeout) {}
