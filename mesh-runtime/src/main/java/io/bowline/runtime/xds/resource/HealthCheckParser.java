package io.bowline.runtime.xds.resource;

import com.google.protobuf.ByteString;
import io.bowline.api.config.HealthCheck;
import io.bowline.api.config.Int64Range;
import io.envoyproxy.envoy.config.core.v3.HealthCheck.Payload;
import io.envoyproxy.envoy.type.v3.CodecClientType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Envoy {@code Cluster.health_checks} ({@code config.core.v3.HealthCheck}) → {@link HealthCheck}:
 * HTTP/1.1, gRPC and TCP checks. {@code custom_health_check},
 * TLS options and request header edits are NACKed by name.
 */
final class HealthCheckParser {
  private static final Duration NO_TRAFFIC_DEFAULT = Duration.ofSeconds(60);

  private HealthCheckParser() {}

  static List<HealthCheck> parse(List<io.envoyproxy.envoy.config.core.v3.HealthCheck> protos) throws ResourceException {
    List<HealthCheck> out = new ArrayList<>(protos.size());
    for (int i = 0; i < protos.size(); i++) {
      out.add(parse(protos.get(i), "health_checks[" + i + "]"));
    }
    return out;
  }

  private static HealthCheck parse(io.envoyproxy.envoy.config.core.v3.HealthCheck h, String at) throws ResourceException {
    Duration timeout = required(h.hasTimeout(), h.getTimeout(), at + ".timeout");
    Duration interval = required(h.hasInterval(), h.getInterval(), at + ".interval");
    if (!h.hasUnhealthyThreshold() || h.getUnhealthyThreshold().getValue() == 0) {
      throw new ResourceException(at + ".unhealthy_threshold", "is required and must be >= 1");
    }
    if (!h.hasHealthyThreshold() || h.getHealthyThreshold().getValue() == 0) {
      throw new ResourceException(at + ".healthy_threshold", "is required and must be >= 1");
    }
    if (h.hasTlsOptions() || h.hasTransportSocketMatchCriteria()) {
      throw new ResourceException(at + ".tls_options", "not supported (plaintext health checks only)");
    }
    Duration noTraffic = optional(h.hasNoTrafficInterval(), h.getNoTrafficInterval(), NO_TRAFFIC_DEFAULT,
        at + ".no_traffic_interval");
    Duration unhealthy = optional(h.hasUnhealthyInterval(), h.getUnhealthyInterval(), interval, at + ".unhealthy_interval");
    return new HealthCheck(timeout, interval,
        h.hasIntervalJitter() ? Protos.duration(h.getIntervalJitter(), at + ".interval_jitter") : Duration.ZERO,
        h.getIntervalJitterPercent(),
        Integer.toUnsignedLong(h.getUnhealthyThreshold().getValue()),
        Integer.toUnsignedLong(h.getHealthyThreshold().getValue()),
        noTraffic,
        optional(h.hasNoTrafficHealthyInterval(), h.getNoTrafficHealthyInterval(), noTraffic,
            at + ".no_traffic_healthy_interval"),
        unhealthy,
        optional(h.hasUnhealthyEdgeInterval(), h.getUnhealthyEdgeInterval(), unhealthy, at + ".unhealthy_edge_interval"),
        optional(h.hasHealthyEdgeInterval(), h.getHealthyEdgeInterval(), interval, at + ".healthy_edge_interval"),
        kind(h, at));
  }

  private static HealthCheck.Kind kind(io.envoyproxy.envoy.config.core.v3.HealthCheck h, String at) throws ResourceException {
    switch (h.getHealthCheckerCase()) {
      case HTTP_HEALTH_CHECK: {
        var http = h.getHttpHealthCheck();
        String hat = at + ".http_health_check";
        if (http.getPath().isEmpty()) {
          throw new ResourceException(hat + ".path", "must not be empty");
        }
        if (http.getCodecClientType() != CodecClientType.HTTP1) {
          throw new ResourceException(hat + ".codec_client_type", http.getCodecClientType() + " is not supported yet");
        }
        if (http.getRequestHeadersToAddCount() > 0 || http.hasSend() || http.getReceiveCount() > 0) {
          throw new ResourceException(hat, "request_headers_to_add, send and receive are not supported yet");
        }
        List<Int64Range> expected = ranges(http.getExpectedStatusesList(), hat + ".expected_statuses");
        return new HealthCheck.Http(http.getHost(), http.getPath(),
            expected.isEmpty() ? List.of(new Int64Range(200, 201)) : expected,
            ranges(http.getRetriableStatusesList(), hat + ".retriable_statuses"));
      }
      case GRPC_HEALTH_CHECK:
        return new HealthCheck.Grpc(h.getGrpcHealthCheck().getServiceName(), h.getGrpcHealthCheck().getAuthority());
      case TCP_HEALTH_CHECK: {
        var tcp = h.getTcpHealthCheck();
        String tat = at + ".tcp_health_check";
        String send = tcp.hasSend() ? hex(tcp.getSend(), tat + ".send") : "";
        List<String> receive = new ArrayList<>();
        for (int i = 0; i < tcp.getReceiveCount(); i++) {
          receive.add(hex(tcp.getReceive(i), tat + ".receive[" + i + "]"));
        }
        return new HealthCheck.Tcp(send, receive);
      }
      default:
        throw new ResourceException(at, "health checker " + h.getHealthCheckerCase() + " is not supported");
    }
  }

  private static String hex(Payload p, String at) throws ResourceException {
    if (p.getPayloadCase() == Payload.PayloadCase.BINARY) {
      ByteString b = p.getBinary();
      return HexFormat.of().formatHex(b.toByteArray());
    }
    try {
      return HexFormat.of().formatHex(HexFormat.of().parseHex(p.getText()));
    } catch (IllegalArgumentException e) {
      throw new ResourceException(at + ".text", "not hex: " + e.getMessage());
    }
  }

  private static List<Int64Range> ranges(List<io.envoyproxy.envoy.type.v3.Int64Range> list, String at)
      throws ResourceException {
    List<Int64Range> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      var r = list.get(i);
      if (r.getStart() < 100 || r.getEnd() > 600 || r.getStart() >= r.getEnd()) {
        throw new ResourceException(at + "[" + i + "]", "must be a range within [100, 600), was [" + r.getStart()
            + ", " + r.getEnd() + ")");
      }
      out.add(new Int64Range(r.getStart(), r.getEnd()));
    }
    return out;
  }

  private static Duration required(boolean has, com.google.protobuf.Duration d, String at) throws ResourceException {
    if (!has) {
      throw new ResourceException(at, "is required");
    }
    return positive(d, at);
  }

  private static Duration optional(boolean has, com.google.protobuf.Duration d, Duration dflt, String at)
      throws ResourceException {
    return has ? positive(d, at) : dflt;
  }

  private static Duration positive(com.google.protobuf.Duration d, String at) throws ResourceException {
    Duration v = Protos.duration(d, at);
    if (v.isZero()) {
      throw new ResourceException(at, "must be > 0");
    }
    return v;
  }
}
