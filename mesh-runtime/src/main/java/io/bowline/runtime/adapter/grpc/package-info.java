/**
 * The grpc-java adapter: {@link io.bowline.runtime.adapter.grpc.BowlineGrpc}, a channel whose calls run
 * through the pipeline without blocking, sent over pooled endpoint channels. Must not import another adapter
 * or the xDS transport.
 */
package io.bowline.runtime.adapter.grpc;
