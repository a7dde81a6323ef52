package io.bowline.runtime.xds.policy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.Map;

/**
 * Renders {@link SupportedFields} as Markdown ({@code docs/supported-fields.md}): every field of
 * every covered Envoy message with its policy, so that what Bowline supports is read from the code.
 */
public final class SupportedFieldsDoc {
  private SupportedFieldsDoc() {}

  public static String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("# Supported Envoy fields\n\n")
        .append("Generated from `io.bowline.runtime.xds.policy.SupportedFields` by `SupportedFieldsDocTest`; ")
        .append("do not edit by hand (run the test with `-Dbowline.regenerateDocs=true`).\n\n")
        .append("Every resource the xDS client receives is checked against this table before it is parsed:\n\n")
        .append("| Policy | Meaning |\n|---|---|\n")
        .append("| supported | honoured; the parser may still reject a value it cannot honour, naming the field |\n")
        .append("| ignored | harmless to ignore (names, stats, socket-listener details); ignored silently |\n")
        .append("| warn | not implemented; the resource is accepted, the field ignored, a warning logged once |\n")
        .append("| reject | not implemented and would change behaviour; the resource is NACKed naming the field |\n\n")
        .append("Messages not listed are covered by their parent field's policy.\n\n")
        .append("Transport sockets: a cluster's `transport_socket` is plaintext (`envoy.transport_sockets.raw_buffer`, ")
        .append("or none) or `envoy.transport_sockets.tls` with an `UpstreamTlsContext`: the workload certificate from ")
        .append("`tls_certificate_provider_instance` (or the deprecated `tls_certificate_certificate_provider_instance`) ")
        .append("or one `tls_certificate_sds_secret_configs` entry over ADS; the roots from ")
        .append("`ca_certificate_provider_instance` (in `validation_context` or ")
        .append("`combined_validation_context.default_validation_context`), the deprecated ")
        .append("`validation_context_certificate_provider_instance`, or an SDS validation context; URI SAN matchers ")
        .append("(`match_typed_subject_alt_names` with `san_type: URI`, `match_subject_alt_names`); `sni` (sent when ")
        .append("it is a host name); `alpn_protocols`. Provider instances must be the bootstrap's `file_watcher` ")
        .append("`certificate_providers`. A context without roots, with inline keys or `trusted_ca`, pins, CRLs, ")
        .append("`allow_expired_certificate`, `ACCEPT_UNTRUSTED`, a custom validator or non-URI SAN matchers, and any ")
        .append("other socket, is NACKed naming the cluster and the field. A `transport_socket_matches` entry some ")
        .append("endpoint could select must be plaintext. Until its certificate has arrived a TLS cluster's calls get ")
        .append("503 `UF` with the reason; nothing is ever sent in plaintext.\n\n")
        .append("HTTP filters (gRFC A39, Envoy): a filter's kind is its `typed_config` type URL. The runtime runs ")
        .append("`envoy.extensions.filters.http.fault.v3.HTTPFault` and `envoy.extensions.filters.http.router.v3.Router`; ")
        .append("it also reads Istio's `istio.stats` filter (a `udpa.type.v1`/`xds.type.v3` `TypedStruct` of ")
        .append("`type.googleapis.com/stats.PluginConfig`: `metrics[].name`, `dimensions`, `tags_to_remove`, `drop` ")
        .append("applied to Istio's metrics; its other fields and unknown fields ignored; a field of the wrong JSON type ")
        .append("or a dimension outside the CEL subset of [telemetry.md](telemetry.md) NACKed naming the field; see ")
        .append("\"Metric overrides\" there); ")
        .append("the router must be the last of `http_filters` (an empty list is the router alone) and names must be ")
        .append("unique. Any other filter is NACKed naming the listener and the filter unless `is_optional`, then ")
        .append("skipped; a `typed_per_filter_config` entry for such a filter is NACKed unless it is a `FilterConfig` ")
        .append("with `is_optional` (or `disabled`). A route's or virtual host's fault config applies only on a ")
        .append("listener whose `http_filters` has the fault filter (istiod's proxyless listeners do: fault, router). ")
        .append("Filters registered on the builder run first, then the fault filter, then the router.\n");
    for (Map.Entry<Descriptor, Map<String, FieldPolicy>> e : SupportedFields.table().entrySet()) {
      Descriptor d = e.getKey();
      b.append("\n## `").append(d.getFullName()).append("`\n\n| Field | Policy |\n|---|---|\n");
      for (FieldDescriptor f : d.getFields()) {
        b.append("| `").append(f.getName()).append("` | ")
            .append(SupportedFields.policy(f).name().toLowerCase(java.util.Locale.ROOT)).append(" |\n");
      }
    }
    return b.toString();
  }
}
