/**
 * The grpc-java adapter: {@link io.bowline.runtime.adapter.grpc.BowlineGrpc}, a channel whose calls run
 * through the pipeline without blocking, sent over pooled endpoint channels; and
 * {@link io.bowline.runtime.adapter.grpc.BowlineGrpcServer}, server credentials and an RBAC interceptor from the
 * server side ({@code inbound}). Must not import another adapter or the xDS transport.
 */
package io.bowline.runtime.adapter.grpc;
