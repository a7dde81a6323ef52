package io.bowline.runtime.xds.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.xds.type.v3.TypedStruct;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.bowline.api.config.HttpTelemetry;
import io.bowline.runtime.testing.EnvoyResources;
import io.bowline.runtime.telemetry.format.MetricExpression;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code istio.stats} HTTP filter as istiod sends it (a {@code TypedStruct} of {@code stats.PluginConfig}): its
 * {@code metrics[]} read into the listener's telemetry, unknown fields ignored as Envoy ignores them, a malformed
 * field or a CEL expression outside the supported subset NACKed naming the field.
 */
class IstioStatsParsingTest {

  private static Listener withStats(String pluginConfigJson) throws InvalidProtocolBufferException {
    Struct.Builder value = Struct.newBuilder();
    JsonFormat.parser().merge(pluginConfigJson, value);
    return withStats(Any.pack(TypedStruct.newBuilder().setTypeUrl("type.googleapis.com/stats.PluginConfig")
        .setValue(value).build()));
  }

  private static Listener withStats(Any config) throws InvalidProtocolBufferException {
    Listener l = EnvoyResources.listener("reviews.default.svc.cluster.local", 9080);
    HttpConnectionManager hcm = l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
    HttpConnectionManager.Builder b = hcm.toBuilder();
    b.addHttpFilters(1, HttpFilter.newBuilder().setName("istio.stats").setTypedConfig(config));
    return l.toBuilder().setApiListener(l.getApiListener().toBuilder().setApiListener(Any.pack(b.build()))).build();
  }

  private static HttpTelemetry telemetry(Listener l) throws ResourceException {
    return ((io.bowline.api.config.Listener) new ListenerResourceType().parse(l)).telemetry();
  }

  @Test
  void theFiltersMetricConfigsAreReadInOrderAndUnknownFieldsIgnored() throws Exception {
    HttpTelemetry t = telemetry(withStats("""
        {"metrics": [
           {"name": "requests_total", "dimensions": {"user": "request.headers['x-user']"},
            "tags_to_remove": ["request_protocol"], "drop": false, "match": "ignored"},
           {"name": "request_bytes", "drop": true},
           {"tagsToRemove": ["source_cluster"]}],
         "reporter": "UNSPECIFIED", "disable_host_header_fallback": true, "some_future_field": 1}
        """));
    assertThat(t.metrics()).containsExactly(
        new HttpTelemetry.MetricConfig("requests_total", Map.of("user", "request.headers['x-user']"),
            List.of("request_protocol"), false),
        new HttpTelemetry.MetricConfig("request_bytes", Map.of(), List.of(), true),
        new HttpTelemetry.MetricConfig("", Map.of(), List.of("source_cluster"), false));
  }

  @Test
  void anExpressionOutsideTheSubsetIsNackedNamingItAndTheSupportedList() {
    assertThatThrownBy(() -> telemetry(withStats("""
        {"metrics": [{"name": "requests_total", "dimensions": {"port": "string(destination.port)"}}]}
        """)))
        .isInstanceOf(ResourceException.class)
        .hasMessageContaining("api_listener.http_filters[1].typed_config.value.metrics[0].dimensions.port")
        .hasMessageContaining("string(destination.port)")
        .hasMessageContaining(MetricExpression.SUPPORTED);
  }

  @Test
  void aFieldOfTheWrongTypeIsNackedNamingIt() {
    assertThatThrownBy(() -> telemetry(withStats("""
        {"metrics": [{"name": "requests_total", "tags_to_remove": "request_protocol"}]}
        """)))
        .isInstanceOf(ResourceException.class)
        .hasMessageContaining("metrics[0].tags_to_remove");
    assertThatThrownBy(() -> telemetry(withStats("""
        {"metrics": [{"drop": "yes"}]}
        """)))
        .hasMessageContaining("metrics[0].drop");
    assertThatThrownBy(() -> telemetry(withStats(Any.newBuilder()
        .setTypeUrl("type.googleapis.com/stats.PluginConfig").build())))
        .hasMessageContaining("TypedStruct");
  }
}
