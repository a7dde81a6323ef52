/**
 * Istio's Bookinfo in one JVM: six workloads on loopback, each with its own {@code MeshClient},
 * routed by Bowline from the local control plane through Istio's request-routing and
 * traffic-shifting steps. The entry point is {@link io.bowline.samples.bookinfo.BookinfoDemo}.
 */
package io.bowline.samples.bookinfo;
