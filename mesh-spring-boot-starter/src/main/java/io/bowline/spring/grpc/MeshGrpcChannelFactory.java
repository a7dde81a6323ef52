package io.bowline.spring.grpc;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.env.Environment;
import org.springframework.grpc.client.ChannelBuilderOptions;
import org.springframework.grpc.client.GrpcChannelFactory;

/**
 * spring-grpc's {@link GrpcChannelFactory} on the mesh: every channel it makes is a Bowline channel
 * ({@link BowlineGrpc#channel}), so stubs injected by {@code @ImportGrpcClients} or made by
 * {@code GrpcClientFactory} are routed by the mesh (listener {@code host:port}, route by method and
 * metadata, cluster, endpoint, with the route's timeouts, retries, faults and mirrors); targets the
 * mesh does not know are called directly, in plaintext.
 *
 * <p>A target is {@code host:port}, {@code xds:///host:port} or {@code dns:///host:port}, or the name
 * of a channel whose {@code spring.grpc.client.channels.<name>.target} gives one. The channel's
 * interceptors are the options' ({@link ChannelBuilderOptions#interceptors()}), after the
 * application's global client interceptors unless the options say not to merge them; a channel
 * builder customizer in the options does not apply (there is no builder). Channels still open are
 * shut down when the context closes.
 */
public final class MeshGrpcChannelFactory implements GrpcChannelFactory, DisposableBean {
  private static final Pattern HOST_PORT = Pattern.compile("[^/:]+:\\d+|\\[[^/]+]:\\d+");

  private final MeshClient mesh;
  private final Environment environment;
  private final Supplier<List<ClientInterceptor>> globalInterceptors;
  private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

  /**
   * @param mesh the mesh client whose routing the channels follow
   * @param environment where named channels' targets are looked up
   * @param globalInterceptors the application's global client interceptors, in order
   */
  public MeshGrpcChannelFactory(MeshClient mesh, Environment environment, Supplier<List<ClientInterceptor>> globalInterceptors) {
    this.mesh = mesh;
    this.environment = environment;
    this.globalInterceptors = globalInterceptors;
  }

  /** Whether {@code target} (after a channel name is resolved) is one the mesh's channels take. */
  @Override
  public boolean supports(String target) {
    String resolved = resolve(target);
    return resolved.contains("://") ? resolved.startsWith("xds:") || resolved.startsWith("dns:")
        : HOST_PORT.matcher(resolved).matches();
  }

  /**
   * @throws IllegalArgumentException naming the target if it is not {@code host:port},
   *     {@code xds:///host:port} or {@code dns:///host:port} (nor a channel name giving one)
   */
  @Override
  public ManagedChannel createChannel(String target, ChannelBuilderOptions options) {
    List<ClientInterceptor> interceptors = new ArrayList<>();
    if (options.mergeWithGlobalInterceptors()) {
      interceptors.addAll(globalInterceptors.get());
    }
    interceptors.addAll(options.interceptors());
    ManagedChannel mesh = BowlineGrpc.channel(this.mesh, resolve(target));
    ManagedChannel channel = interceptors.isEmpty() ? mesh : new InterceptedChannel(mesh, interceptors);
    channels.add(channel);
    return channel;
  }

  private String resolve(String target) {
    return environment.getProperty("spring.grpc.client.channels." + target + ".target", target);
  }

  /** Shuts down the channels this factory made (calls in flight are cancelled). */
  @Override
  public void destroy() {
    channels.forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
