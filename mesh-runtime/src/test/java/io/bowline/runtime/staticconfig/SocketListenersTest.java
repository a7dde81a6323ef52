package io.bowline.runtime.staticconfig;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which socket listeners become routable, and under which name. */
class SocketListenersTest {
  private static final Any HCM = Any.pack(HttpConnectionManager.newBuilder().setStatPrefix("ingress").build());

  private static Listener.Builder socket(String name, String address, int port) {
    return Listener.newBuilder().setName(name)
        .setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress(address).setPortValue(port)));
  }

  private static FilterChain chain(Any typedConfig) {
    return FilterChain.newBuilder()
        .addFilters(Filter.newBuilder().setName(SocketListeners.HCM_FILTER).setTypedConfig(typedConfig)).build();
  }

  @Test
  void anHttpSocketListenerBecomesAnApiListenerNamedByItsAddress() {
    Listener l = socket("backend", "127.0.0.1", 3000).addFilterChains(chain(HCM)).build();
    Listener out = SocketListeners.asOutbound(l).orElseThrow();
    assertThat(out.getName()).isEqualTo("127.0.0.1:3000");
    assertThat(out.getApiListener().getApiListener()).isEqualTo(HCM);
    assertThat(out.getFilterChainsCount()).isZero();
  }

  @Test
  void theDefaultFilterChainCountsWhenThereAreNoOthers() {
    Listener l = socket("d", "10.0.0.1", 80).setDefaultFilterChain(chain(HCM)).build();
    assertThat(SocketListeners.asOutbound(l)).map(Listener::getName).contains("10.0.0.1:80");
  }

  @Test
  void listenersWithoutExactlyOneHttpConnectionManagerAreLeftAsTheyAre() {
    Listener tcp = socket("tcp", "127.0.0.1", 1).addFilterChains(FilterChain.newBuilder()
        .addFilters(Filter.newBuilder().setName("envoy.filters.network.tcp_proxy"))).build();
    Listener twoChains = socket("sni", "127.0.0.1", 2).addFilterChains(chain(HCM)).addFilterChains(chain(HCM)).build();
    Listener api = Listener.newBuilder().setName("ratings:9080")
        .setApiListener(ApiListener.newBuilder().setApiListener(HCM)).build();
    assertThat(SocketListeners.asOutbound(List.of(tcp, twoChains, api))).containsExactly(tcp, twoChains, api);
  }
}
