/**
 * What applications see: {@link io.bowline.api.MeshClient} and its builder, {@link
 * io.bowline.api.MeshSettings}, the request view routing and filters read, and the CSDS-shaped {@link
 * io.bowline.api.ClientStatus}. JDK types only: imports nothing outside {@code java.*} and {@code
 * io.bowline.api}.
 */
package io.bowline.api;
