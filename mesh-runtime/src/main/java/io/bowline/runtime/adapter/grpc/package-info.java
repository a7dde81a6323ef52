/**
 * The grpc-java adapter: {@link io.bowline.runtime.adapter.grpc.BowlineGrpc} makes a
 * {@link io.grpc.ManagedChannel} per mesh target whose calls go through the exchange pipeline
 * ({@link io.bowline.runtime.pipeline.OutboundRouter}), like the OkHttp adapter's, and are sent over a
 * pooled channel per endpoint. Must not import the OkHttp adapter or the xDS transport.
 */
package io.bowline.runtime.adapter.grpc;
