package io.bowline.runtime.xds.policy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The supported-field table: per Envoy message, the policy of each field. Fields of a listed
 * message that the table does not name are {@link FieldPolicy#WARN}. Messages not listed are not
 * looked into (their parent field's policy covers them). When a parser starts honouring a field,
 * mark it {@link FieldPolicy#SUPPORTED} here; {@code docs/supported-fields.md} is generated from
 * this table (see {@code SupportedFieldsDocTest}).
 */
public final class SupportedFields {
  private static final Map<Descriptor, Map<String, FieldPolicy>> TABLE = new LinkedHashMap<>();

  static {
    message(Listener.getDescriptor())
        .supported("name", "api_listener", "address", "filter_chains", "default_filter_chain")
        .ignored("additional_addresses", "listener_filters",
            "traffic_direction", "stat_prefix", "metadata", "per_connection_buffer_limit_bytes",
            "listener_filters_timeout", "continue_on_listener_filters_timeout", "socket_options",
            "bind_to_port", "connection_balance_config", "access_log", "use_original_dst", "transparent",
            "freebind", "tcp_fast_open_queue_length", "drain_type", "enable_reuse_port", "filter_chain_matcher");
    message(ApiListener.getDescriptor()).supported("api_listener");
    message(HttpConnectionManager.getDescriptor())
        .supported("rds", "route_config", "http_filters", "access_log", "tracing")
        .ignored("stat_prefix", "codec_type", "use_remote_address", "normalize_path", "merge_slashes",
            "upgrade_configs", "stream_idle_timeout", "common_http_protocol_options", "http_protocol_options",
            "http2_protocol_options", "forward_client_cert_details", "set_current_client_cert_details",
            "server_name", "server_header_transformation", "generate_request_id", "preserve_external_request_id",
            "xff_num_trusted_hops", "skip_xff_append", "via", "add_user_agent", "internal_address_config",
            "path_with_escaped_slashes_action")
        .reject("scoped_routes");
    message(Rds.getDescriptor()).supported("config_source", "route_config_name");
    message(HttpFilter.getDescriptor()).supported("name", "typed_config", "is_optional");
    message(ConfigSource.getDescriptor())
        .supported("ads", "self", "resource_api_version")
        .ignored("authorities");
    message(RouteConfiguration.getDescriptor())
        .supported("name", "virtual_hosts", "ignore_port_in_host_matching", "request_headers_to_add",
            "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove",
            "most_specific_header_mutations_wins")
        .ignored("validate_clusters")
        .reject("vhds");
    message(VirtualHost.getDescriptor())
        .supported("name", "domains", "routes", "request_headers_to_add", "request_headers_to_remove",
            "response_headers_to_add", "response_headers_to_remove", "retry_policy", "include_request_attempt_count",
            "request_mirror_policies", "typed_per_filter_config", "rate_limits", "require_tls");
    message(Route.getDescriptor())
        .supported("name", "match", "route", "direct_response", "redirect", "request_headers_to_add",
            "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove",
            "typed_per_filter_config")
        .ignored("metadata", "decorator", "stat_prefix");
    message(RouteMatch.getDescriptor())
        .supported("prefix", "path", "safe_regex", "path_separated_prefix", "case_sensitive", "headers",
            "query_parameters", "runtime_fraction", "grpc", "path_match_policy");
    message(RouteAction.getDescriptor())
        .supported("cluster", "weighted_clusters", "cluster_header", "cluster_not_found_response_code",
            "prefix_rewrite", "regex_rewrite", "path_rewrite_policy", "host_rewrite_literal", "host_rewrite_header",
            "host_rewrite_path_regex", "auto_host_rewrite", "append_x_forwarded_host", "hash_policy",
            "timeout", "retry_policy", "request_mirror_policies", "max_stream_duration", "max_grpc_timeout",
            "rate_limits", "include_vh_rate_limits"); // RateLimitParser
    message(RouteAction.MaxStreamDuration.getDescriptor())
        .supported("max_stream_duration", "grpc_timeout_header_max");
    message(WeightedCluster.getDescriptor()).supported("clusters", "total_weight");
    message(WeightedCluster.ClusterWeight.getDescriptor())
        .supported("name", "weight", "request_headers_to_add", "request_headers_to_remove",
            "response_headers_to_add", "response_headers_to_remove", "host_rewrite_literal", "cluster_header");
    message(DirectResponseAction.getDescriptor()).supported("status", "body");
    message(DataSource.getDescriptor()).supported("inline_string", "inline_bytes");
    message(HeaderMatcher.getDescriptor())
        .supported("name", "exact_match", "safe_regex_match", "prefix_match", "suffix_match", "contains_match",
            "present_match", "string_match", "invert_match", "treat_missing_header_as_empty", "range_match");
    message(StringMatcher.getDescriptor())
        .supported("exact", "prefix", "suffix", "contains", "safe_regex", "ignore_case");
    message(RegexMatcher.getDescriptor()).supported("regex").ignored("google_re2");
    message(Cluster.getDescriptor())
        .supported("name", "type", "eds_cluster_config", "lb_policy", "load_assignment", "ring_hash_lb_config",
            "maglev_lb_config", "least_request_lb_config", "common_lb_config", "circuit_breakers",
            "outlier_detection", "health_checks", "dns_refresh_rate", "cluster_type", "connect_timeout",
            "transport_socket", "transport_socket_matches", // plaintext or TLS: TransportSocketParser
            "typed_extension_protocol_options", "http2_protocol_options", "protocol_selection") // HTTP/1.1 or 2
        .ignored("alt_stat_name", "metadata", "track_cluster_stats", "track_timeout_budgets", "filters",
            "dns_lookup_family", "respect_dns_ttl",
            "dns_failure_refresh_rate", "use_tcp_for_dns_lookups", "dns_resolution_config",
            "typed_dns_resolver_config", "wait_for_warm_on_init");
    message(Cluster.EdsClusterConfig.getDescriptor()).supported("eds_config", "service_name");
    message(Cluster.LeastRequestLbConfig.getDescriptor()).supported("choice_count", "active_request_bias");
    message(Cluster.CustomClusterType.getDescriptor()).supported("name", "typed_config");
    message(ClusterLoadAssignment.getDescriptor()).supported("cluster_name", "endpoints", "policy");
    message(ClusterLoadAssignment.Policy.getDescriptor()).supported("overprovisioning_factor");
    message(LocalityLbEndpoints.getDescriptor())
        .supported("locality", "lb_endpoints", "load_balancing_weight", "priority")
        .ignored("metadata");
    message(Locality.getDescriptor()).supported("region", "zone", "sub_zone");
    message(LbEndpoint.getDescriptor())
        .supported("endpoint", "health_status", "load_balancing_weight", "metadata"); // envoy.lb hash_key
    message(Endpoint.getDescriptor()).supported("address", "hostname").ignored("health_check_config");
    message(Address.getDescriptor()).supported("socket_address");
    message(Secret.getDescriptor()).supported("name", "tls_certificate", "validation_context");
    message(TlsCertificate.getDescriptor()).supported("certificate_chain", "private_key");
    message(CertificateValidationContext.getDescriptor()).supported("trusted_ca", "match_typed_subject_alt_names");
    message(SubjectAltNameMatcher.getDescriptor()).supported("san_type", "matcher");
    message(SocketAddress.getDescriptor()).supported("address", "port_value").ignored("protocol", "ipv4_compat");
  }

  private SupportedFields() {}

  /** Whether the table describes this message (the checker looks into it). */
  public static boolean covers(Descriptor d) {
    return TABLE.containsKey(d);
  }

  /** The policy of a field of a covered message ({@link FieldPolicy#WARN} unless the table names it). */
  public static FieldPolicy policy(FieldDescriptor f) {
    Map<String, FieldPolicy> fields = TABLE.get(f.getContainingType());
    return fields == null ? FieldPolicy.WARN : fields.getOrDefault(f.getName(), FieldPolicy.WARN);
  }

  /** Every covered message, in table order, with the fields it names. */
  public static Map<Descriptor, Map<String, FieldPolicy>> table() {
    return Collections.unmodifiableMap(TABLE);
  }

  /** A covered message, by its static descriptor (a message's {@code getDescriptorForType()} uses reflection). */
  private static Entry message(Descriptor d) {
    Map<String, FieldPolicy> fields = new LinkedHashMap<>();
    TABLE.put(d, fields);
    return new Entry(d, fields);
  }

  private record Entry(Descriptor descriptor, Map<String, FieldPolicy> fields) {
    Entry supported(String... names) {
      return put(FieldPolicy.SUPPORTED, names);
    }

    Entry ignored(String... names) {
      return put(FieldPolicy.IGNORED, names);
    }

    Entry reject(String... names) {
      return put(FieldPolicy.REJECT, names);
    }

    private Entry put(FieldPolicy policy, String... names) {
      for (String name : names) {
        if (descriptor.findFieldByName(name) == null) {
          throw new IllegalStateException(descriptor.getFullName() + " has no field " + name);
        }
        fields.put(name, policy);
      }
      return this;
    }
  }
}
