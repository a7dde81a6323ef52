package io.bowline.proxy.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.bowline.runtime.xds.XdsTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One gRPC bidirectional streaming call on an HTTP/2 stream channel (gRPC over HTTP/2: {@code POST},
 * {@code te: trailers}, {@code content-type: application/grpc}; each message a 1-byte compressed flag, a 4-byte
 * big-endian length and the protobuf bytes; the status in {@code grpc-status}/{@code grpc-message} trailers, or in
 * the headers of a trailers-only response). Responses are delivered one per {@link #requestNext()}, and the stream
 * is read only while none is waiting: Netty returns the stream's HTTP/2 window as frames are read, so a slow
 * reader slows the server. A response over 4 MiB (gRPC's default limit) ends the call with
 * {@code RESOURCE_EXHAUSTED}; a compressed one, which this client never asks for, with {@code INTERNAL}.
 *
 * <p>The methods of {@link XdsTransport.StreamingCall} may be called from any thread; the rest run on the
 * connection's event loop.
 */
final class GrpcStream<Q extends Message, R extends Message> extends ChannelInboundHandlerAdapter
    implements XdsTransport.StreamingCall<Q> {
  static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
  private static final int PREFIX = 5;

  private final EventLoop loop;
  private final String path;
  private final String authority;
  private final Parser<R> parser;
  private final XdsTransport.Listener<R> listener;
  // confined to the event loop
  private Http2StreamChannel channel;
  private final List<Q> unsent = new ArrayList<>();
  private final ArrayDeque<R> received = new ArrayDeque<>();
  private CompositeByteBuf inbound;
  private int demand = 1;
  private boolean headersSeen;
  private String[] endStatus;
  private boolean finished;

  GrpcStream(EventLoop loop, String path, String authority, Parser<R> parser, XdsTransport.Listener<R> listener) {
    this.loop = loop;
    this.path = path;
    this.authority = authority;
    this.parser = parser;
    this.listener = listener;
  }

  // ---- the caller's side (any thread) ----

  @Override
  public void send(Q request) {
    execute(() -> {
      if (finished) {
        return;
      }
      if (channel == null) {
        unsent.add(request);
      } else {
        write(request);
        channel.flush();
      }
    });
  }

  @Override
  public void requestNext() {
    execute(() -> {
      demand++;
      deliver();
    });
  }

  @Override
  public void cancel(String reason) {
    execute(() -> finish("CANCELLED", reason));
  }

  private void execute(Runnable task) {
    try {
      loop.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // the transport is closed: the listener heard it already or hears UNAVAILABLE from the connection
    }
  }

  // ---- the stream channel's side (event loop) ----

  /** The HTTP/2 stream is open: sends the request headers and the requests sent so far, starts reading. */
  void opened(Http2StreamChannel ch) {
    if (finished) {
      ch.close();
      return;
    }
    channel = ch;
    Http2Headers headers = new DefaultHttp2Headers().method("POST").scheme("http").path(path).authority(authority)
        .add("content-type", "application/grpc").add("te", "trailers").add("user-agent", "bowline-proxy");
    ch.write(new DefaultHttp2HeadersFrame(headers, false));
    unsent.forEach(this::write);
    unsent.clear();
    ch.flush();
    ch.read();
  }

  private void write(Q request) {
    byte[] bytes = request.toByteArray();
    ByteBuf buf = channel.alloc().buffer(PREFIX + bytes.length).writeByte(0).writeInt(bytes.length).writeBytes(bytes);
    channel.write(new DefaultHttp2DataFrame(buf, false));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof Http2HeadersFrame h) {
        onHeaders(h.headers(), h.isEndStream());
      } else if (msg instanceof Http2DataFrame d) {
        onData(d.content(), d.isEndStream());
      } else if (msg instanceof Http2ResetFrame r) {
        fail(GrpcConnection.resetCode(r.errorCode()), "the server reset the stream: RST_STREAM "
            + Http2Error.valueOf(r.errorCode()));
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    readIfIdle();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    fail("UNAVAILABLE", "the stream closed" + goAway());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail("INTERNAL", "HTTP/2 stream error: " + cause);
  }

  /** The connection's {@code GOAWAY}, for messages: empty if none (or the stream never opened). */
  private String goAway() {
    GrpcConnection c = channel == null ? null : channel.parent().pipeline().get(GrpcConnection.class);
    return c == null ? "" : c.goAway();
  }

  private void onHeaders(Http2Headers headers, boolean endStream) {
    if (finished) {
      return;
    }
    if (!headersSeen) {
      headersSeen = true;
      CharSequence status = headers.status();
      if (status == null || !status.toString().equals("200")) {
        finish(httpStatusCode(status), "HTTP status " + status + " from the xDS server");
        return;
      }
      if (!endStream) {
        return;
      }
    } else if (!endStream) {
      finish("INTERNAL", "a second HEADERS frame that does not end the stream");
      return;
    }
    CharSequence code = headers.get("grpc-status");
    CharSequence message = headers.get("grpc-message");
    endStatus = code == null
        ? new String[] {"UNKNOWN", "trailers without grpc-status"}
        : new String[] {codeName(code.toString()), message == null ? null : percentDecode(message.toString())};
    deliver();
  }

  private void onData(ByteBuf data, boolean endStream) {
    if (finished) {
      return;
    }
    if (inbound == null) {
      inbound = channel.alloc().compositeBuffer();
    }
    inbound.addComponent(true, data.retain());
    while (inbound.readableBytes() >= PREFIX) {
      int at = inbound.readerIndex();
      int flag = inbound.getUnsignedByte(at);
      long length = inbound.getUnsignedInt(at + 1);
      if (flag != 0) {
        fail("INTERNAL", "a compressed message (flag " + flag + ") on a call that accepts no encoding");
        return;
      }
      if (length > MAX_MESSAGE_BYTES) {
        fail("RESOURCE_EXHAUSTED", "a response of " + length + " bytes is over the limit of " + MAX_MESSAGE_BYTES);
        return;
      }
      if (inbound.readableBytes() < PREFIX + length) {
        break;
      }
      byte[] bytes = ByteBufUtil.getBytes(inbound, at + PREFIX, (int) length, false);
      inbound.skipBytes(PREFIX + (int) length);
      try {
        received.add(parser.parseFrom(bytes));
      } catch (InvalidProtocolBufferException e) {
        fail("INTERNAL", "a response that does not parse: " + e.getMessage());
        return;
      }
    }
    inbound.discardReadComponents();
    if (endStream) {
      fail("INTERNAL", "the server ended the stream without trailers");
      return;
    }
    deliver();
  }

  /** Delivers what was asked for; ends after the last response once the status arrived; else reads on. */
  private void deliver() {
    while (demand > 0 && !received.isEmpty() && !finished) {
      demand--;
      listener.onMessage(received.poll());
    }
    if (!finished && endStatus != null && received.isEmpty()) {
      finish(endStatus[0], endStatus[1]);
    }
    readIfIdle();
  }

  private void readIfIdle() {
    if (!finished && endStatus == null && received.isEmpty() && channel.isActive()) {
      channel.read();
    }
  }

  /**
   * Ends the call now, with what was not delivered dropped, unless the server's status already arrived (then
   * the responses before it are still delivered, and the call ends with that status).
   */
  void fail(String code, String description) {
    if (endStatus == null) {
      finish(code, description);
    }
  }

  /** Ends the call once: closes the stream if it is still open ({@code RST_STREAM CANCEL}), tells the listener. */
  private void finish(String code, String description) {
    if (finished) {
      return;
    }
    finished = true;
    received.clear();
    unsent.clear();
    if (inbound != null) {
      inbound.release();
      inbound = null;
    }
    if (channel != null) {
      channel.close();
    }
    listener.onClosed(code, description);
  }

  // ---- gRPC over HTTP/2 ----

  private static final String[] CODES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};

  /** The name of a {@code grpc-status} value; an unknown or malformed one is {@code UNKNOWN}. */
  static String codeName(String value) {
    try {
      int n = Integer.parseInt(value.trim());
      return n >= 0 && n < CODES.length ? CODES[n] : "UNKNOWN";
    } catch (NumberFormatException e) {
      return "UNKNOWN";
    }
  }

  /** The gRPC code of a non-200 HTTP status (gRPC's "HTTP to gRPC status code mapping"). */
  static String httpStatusCode(CharSequence status) {
    return switch (status == null ? "" : status.toString()) {
      case "400" -> "INTERNAL";
      case "401" -> "UNAUTHENTICATED";
      case "403" -> "PERMISSION_DENIED";
      case "404" -> "UNIMPLEMENTED";
      case "429", "502", "503", "504" -> "UNAVAILABLE";
      default -> "UNKNOWN";
    };
  }

  /** {@code grpc-message}'s percent-encoding undone (UTF-8); a malformed escape is kept as it is. */
  static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    byte[] in = s.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
    for (int i = 0; i < in.length; i++) {
      int hi = i + 2 < in.length && in[i] == '%' ? Character.digit(in[i + 1], 16) : -1;
      int lo = hi >= 0 ? Character.digit(in[i + 2], 16) : -1;
      if (lo >= 0) {
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        out.write(in[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
