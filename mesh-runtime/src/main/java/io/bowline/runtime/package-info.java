/**
 * The mesh client: {@code MeshClientImpl} assembles a config feed (xDS or a static file), the snapshot
 * compiler and the exchange pipeline. Imports no adapter; adapters build on {@link
 * io.bowline.runtime.RuntimeMeshClient}.
 */
package io.bowline.runtime;
