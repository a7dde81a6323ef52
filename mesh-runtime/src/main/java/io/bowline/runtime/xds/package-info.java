/**
 * The xDS client: ADS streams (state of the world and delta), ACK/NACK, subscriptions, does-not-exist
 * timers, server fallback, the shared client pool, metrics. Must not import the snapshot, the pipeline,
 * upstream or adapters.
 */
package io.bowline.runtime.xds;
