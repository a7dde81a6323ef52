/**
 * The gRPC adapter's entry point: {@link io.bowline.runtime.adapter.grpc.BowlineGrpc}, a
 * {@link io.grpc.ManagedChannel} per mesh target. Must not import the OkHttp adapter or the xDS transport.
 */
package io.bowline.runtime.adapter.grpc;
