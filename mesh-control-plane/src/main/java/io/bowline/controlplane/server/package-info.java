/**
 * The ADS server over envoyproxy's java-control-plane: per-client snapshots, ACK bookkeeping, connection
 * limits and the directory watcher. Must not import the CLI or the runtime.
 */
package io.bowline.controlplane.server;
