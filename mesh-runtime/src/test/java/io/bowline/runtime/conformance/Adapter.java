package io.bowline.runtime.conformance;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** The two transport adapters, driven the same way: one request in, one {@link Outcome} out. */
enum Adapter {
  OKHTTP {
    @Override
    Outcome call(MeshClient mesh, String host, String path, Map<String, String> headers) {
      OkHttpClient http = HTTP.computeIfAbsent(mesh, m -> BowlineOkHttp.install(m, new OkHttpClient.Builder().followRedirects(false)).build());
      Request.Builder b = new Request.Builder().url("http://" + host + ":80" + path);
      headers.forEach(b::addHeader);
      try (Response r = http.newCall(b.build()).execute()) {
        Map<String, String> seen = new HashMap<>();
        r.headers().names().forEach(n -> seen.put(n.toLowerCase(), String.join(",", r.headers(n))));
        String body = r.body().string();
        if (r.code() == 200 && seen.containsKey("x-backend")) {
          return new Outcome(body, 0, "", seen);
        }
        return new Outcome(null, r.code(), seen.getOrDefault("x-bowline-response-flags", ""), seen);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  },
  GRPC {
    @Override
    Outcome call(MeshClient mesh, String host, String path, Map<String, String> headers) {
      Channel channel = BowlineGrpc.channel(mesh, host + ":80");
      Metadata extra = new Metadata();
      headers.forEach((k, v) -> extra.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
      AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
      AtomicReference<Metadata> trailers = new AtomicReference<>();
      Channel intercepted = ClientInterceptors.intercept(channel,
          MetadataUtils.newAttachHeadersInterceptor(extra),
          MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers));
      MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(path.substring(1))
          .setRequestMarshaller(NamedGrpcServer.BYTES)
          .setResponseMarshaller(NamedGrpcServer.BYTES)
          .build();
      try {
        byte[] reply = ClientCalls.blockingUnaryCall(intercepted, method,
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[] {1});
        return new Outcome(new String(reply, StandardCharsets.UTF_8), 0, "", toMap(responseHeaders.get()));
      } catch (StatusRuntimeException e) {
        Map<String, String> t = toMap(e.getTrailers());
        Matcher m = HTTP_STATUS.matcher(String.valueOf(e.getStatus().getDescription()));
        int status = m.find() ? Integer.parseInt(m.group(1)) : -e.getStatus().getCode().value();
        return new Outcome(null, status, t.getOrDefault("x-bowline-response-flags", ""), t);
      }
    }
  };

  private static final Pattern HTTP_STATUS = Pattern.compile("HTTP (\\d{3})");
  private static final Map<MeshClient, OkHttpClient> HTTP = new java.util.concurrent.ConcurrentHashMap<>();

  abstract Outcome call(MeshClient mesh, String host, String path, Map<String, String> headers);

  private static Map<String, String> toMap(Metadata md) {
    Map<String, String> out = new HashMap<>();
    if (md != null) {
      for (String k : md.keys()) {
        if (!k.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          out.put(k, String.join(",", md.getAll(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER))));
        }
      }
    }
    return out;
  }

  /**
   * What came back.
   *
   * @param backend the backend that answered, or {@code null} for a local reply
   * @param localStatus the local reply's HTTP status (0 when a backend answered)
   * @param flags Envoy response flags of a local reply
   * @param headers response headers (or trailers of a failed gRPC call)
   */
  record Outcome(String backend, int localStatus, String flags, Map<String, String> headers) {
    String summary() {
      return backend != null ? backend : "local " + localStatus + (flags.isEmpty() ? "" : " " + flags);
    }
  }
}
