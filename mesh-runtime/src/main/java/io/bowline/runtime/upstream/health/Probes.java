package io.bowline.runtime.upstream.health;

import io.bowline.api.config.HealthCheck;
import io.bowline.api.config.Int64Range;
import io.bowline.runtime.upstream.health.HealthCheckSession.Result;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One probe of one host, blocking for at most the check's {@code timeout}: HTTP {@code GET} over
 * OkHttp, {@code grpc.health.v1.Health/Check} over a plaintext gRPC channel, or a TCP connect with an
 * optional payload exchange. Probes never go through the exchange pipeline, so they never count in
 * request metrics, circuit breakers or outlier detection.
 */
final class Probes {
  /** grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING. */
  private static final int SERVING = 1;
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("cannot read health response").withCause(e).asRuntimeException();
      }
    }
  };
  private static final MethodDescriptor<byte[], byte[]> CHECK = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("grpc.health.v1.Health/Check")
      .setRequestMarshaller(BYTES)
      .setResponseMarshaller(BYTES)
      .build();

  private Probes() {}

  static Result http(OkHttpClient client, HealthCheck check, HealthCheck.Http http, String cluster, String address,
      int port) {
    Request request = new Request.Builder()
        .url("http://" + (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port + http.path())
        .header("Host", http.host().isEmpty() ? cluster : http.host())
        .header("User-Agent", "Envoy/HC")
        .build();
    OkHttpClient c = client.newBuilder().callTimeout(check.timeout().toNanos(), TimeUnit.NANOSECONDS).build();
    try (Response r = c.newCall(request).execute()) {
      int status = r.code();
      if (in(http.expectedStatuses(), status)) {
        return Result.PASS;
      }
      return in(http.retriableStatuses(), status) ? Result.NETWORK_FAILURE : Result.ACTIVE_FAILURE;
    } catch (IOException e) {
      return Result.NETWORK_FAILURE;
    }
  }

  /** A plaintext channel to the host for gRPC checks, with the check's authority (else the cluster's name). */
  static ManagedChannel grpcChannel(HealthCheck.Grpc grpc, String cluster, String address, int port) {
    return NettyChannelBuilder.forAddress(address, port).usePlaintext()
        .overrideAuthority(grpc.authority().isEmpty() ? cluster : grpc.authority())
        .build();
  }

  static Result grpc(ManagedChannel channel, HealthCheck check, HealthCheck.Grpc grpc) {
    byte[] request = request(grpc.serviceName());
    try {
      byte[] response = ClientCalls.blockingUnaryCall(channel, CHECK,
          CallOptions.DEFAULT.withDeadlineAfter(check.timeout().toNanos(), TimeUnit.NANOSECONDS), request);
      return servingStatus(response) == SERVING ? Result.PASS : Result.ACTIVE_FAILURE;
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
          ? Result.NETWORK_FAILURE : Result.ACTIVE_FAILURE;
    }
  }

  static Result tcp(HealthCheck check, HealthCheck.Tcp tcp, String address, int port) {
    int timeout = (int) Math.max(1, check.timeout().toMillis());
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), timeout);
      if (tcp.sendHex().isEmpty()) {
        return Result.PASS;
      }
      s.setSoTimeout(timeout);
      OutputStream out = s.getOutputStream();
      out.write(HexFormat.of().parseHex(tcp.sendHex()));
      out.flush();
      // Envoy: a peer that closes before every payload came back is a network failure, as a timeout is
      return received(s.getInputStream(), tcp.receiveHex()) ? Result.PASS : Result.NETWORK_FAILURE;
    } catch (IOException e) {
      return Result.NETWORK_FAILURE;
    }
  }

  /** Reads until every expected payload has been seen in order, or the peer closes. */
  private static boolean received(InputStream in, List<String> expectedHex) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[1024];
    while (true) {
      if (contains(got.toByteArray(), expectedHex)) {
        return true;
      }
      int n = in.read(buf);
      if (n < 0) {
        return false;
      }
      got.write(buf, 0, n);
    }
  }

  private static boolean contains(byte[] data, List<String> expectedHex) {
    String hex = HexFormat.of().formatHex(data);
    int from = 0;
    for (String e : expectedHex) {
      int at = hex.indexOf(e, from);
      while (at >= 0 && at % 2 != 0) { // a payload starts on a byte boundary
        at = hex.indexOf(e, at + 1);
      }
      if (at < 0) {
        return false;
      }
      from = at + e.length();
    }
    return true;
  }

  private static boolean in(List<Int64Range> ranges, int status) {
    for (Int64Range r : ranges) {
      if (r.contains(status)) {
        return true;
      }
    }
    return false;
  }

  /** {@code HealthCheckRequest{service}}: field 1, length-delimited. */
  private static byte[] request(String service) {
    if (service.isEmpty()) {
      return new byte[0];
    }
    byte[] s = service.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x0a);
    writeVarint(out, s.length);
    out.write(s, 0, s.length);
    return out.toByteArray();
  }

  private static void writeVarint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) (v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
  }

  /** {@code HealthCheckResponse.status} (field 1, varint), 0 (UNKNOWN) when absent; other fields skipped. */
  static int servingStatus(byte[] msg) {
    int i = 0;
    int status = 0;
    while (i < msg.length) {
      long[] tag = varint(msg, i);
      i = (int) tag[1];
      int wire = (int) (tag[0] & 7);
      long field = tag[0] >>> 3;
      if (wire == 0) {
        long[] v = varint(msg, i);
        i = (int) v[1];
        if (field == 1) {
          status = (int) v[0];
        }
      } else if (wire == 2) {
        long[] len = varint(msg, i);
        i = (int) (len[1] + len[0]);
      } else if (wire == 5) {
        i += 4;
      } else if (wire == 1) {
        i += 8;
      } else {
        return 0;
      }
    }
    return status;
  }

  /** A varint at {@code i}: {value, index after it}. */
  private static long[] varint(byte[] b, int i) {
    long v = 0;
    int shift = 0;
    while (i < b.length) {
      byte x = b[i++];
      v |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        break;
      }
      shift += 7;
    }
    return new long[] {v, i};
  }
}
