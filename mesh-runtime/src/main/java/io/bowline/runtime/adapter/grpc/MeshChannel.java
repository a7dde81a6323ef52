package io.bowline.runtime.adapter.grpc;

import io.bowline.runtime.pipeline.OutboundRouter;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;

/**
 * The gRPC adapter: a {@link Channel} for one target {@code host:port} whose every call goes
 * through {@link OutboundRouter} (virtual host by the target authority, route by
 * {@code /package.Service/Method} and metadata, cluster, endpoint) and then over the pooled
 * channel to the chosen endpoint, with {@code :authority} kept as the target (or the route's
 * {@code host_rewrite_literal}). Unary and streaming calls alike. Targets the mesh does not know
 * are called directly. Local replies become statuses ({@link LocalReplies}).
 */
public final class MeshChannel extends Channel {
  private final String target;
  private final String host;
  private final int port;
  private final OutboundRouter router;
  private final EndpointChannels endpoints;

  /**
   * @param target {@code host:port} as the application wrote it
   * @throws IllegalArgumentException if the target has no port
   */
  public MeshChannel(String target, OutboundRouter router, EndpointChannels endpoints) {
    int colon = target.lastIndexOf(':');
    if (colon <= 0 || target.indexOf(']') > colon) {
      throw new IllegalArgumentException("gRPC target must be host:port, was '" + target + "'");
    }
    String h = target.substring(0, colon);
    this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    try {
      this.port = Integer.parseInt(target.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("gRPC target must be host:port, was '" + target + "'", e);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("gRPC target port out of range: '" + target + "'");
    }
    this.target = target;
    this.router = router;
    this.endpoints = endpoints;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    return newCall(method, options, null);
  }

  /** A call counted by {@code channel} from its start to its listener's {@code onClose} ({@code null}: not counted). */
  <ReqT, RespT> MeshClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options,
      MeshManagedChannel channel) {
    return new MeshClientCall<>(target, host, port, router, endpoints, method, path(method), options, channel);
  }

  /** A method's {@code :path}, {@code /<full method name>}, and the descriptor it was made for. */
  private record MethodPath(MethodDescriptor<?, ?> method, String path) {}

  /** The last method's path: a channel's calls mostly repeat one method, whose path is then not built again. */
  private volatile MethodPath lastPath;

  private String path(MethodDescriptor<?, ?> method) {
    MethodPath last = lastPath;
    if (last != null && last.method == method) {
      return last.path;
    }
    String path = "/" + method.getFullMethodName();
    lastPath = new MethodPath(method, path);
    return path;
  }

  @Override
  public String authority() {
    return target;
  }

  @Override
  public String toString() {
    return "MeshChannel{" + target + "}";
  }
}
