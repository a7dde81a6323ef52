/**
 * The grpc-java adapter: a {@link io.grpc.Channel} that routes every call through
 * {@link io.bowline.runtime.pipeline.OutboundRouter}, like the OkHttp adapter, and sends it over a
 * pooled channel per endpoint. Must not import the OkHttp adapter or the xDS transport.
 */
package io.bowline.runtime.adapter.grpc;
