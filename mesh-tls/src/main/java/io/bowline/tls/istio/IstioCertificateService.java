package io.bowline.tls.istio;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The gRPC method {@code istio.v1.auth.IstioCertificateService/CreateCertificate}, with a protobuf wire codec
 * for its two messages written by hand (no generated code): varint and length-delimited fields only, unknown
 * fields skipped.
 */
public final class IstioCertificateService {

  /** The gRPC service name. */
  public static final String SERVICE = "istio.v1.auth.IstioCertificateService";

  /** {@code CreateCertificate}, unary. */
  public static final MethodDescriptor<IstioCertificateRequest, IstioCertificateResponse> CREATE_CERTIFICATE =
      MethodDescriptor.<IstioCertificateRequest, IstioCertificateResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "CreateCertificate"))
          .setRequestMarshaller(new RequestMarshaller())
          .setResponseMarshaller(new ResponseMarshaller())
          .build();

  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LENGTH_DELIMITED = 2;
  private static final int FIXED32 = 5;

  private IstioCertificateService() {
  }

  private static final class RequestMarshaller implements MethodDescriptor.Marshaller<IstioCertificateRequest> {
    @Override
    public InputStream stream(IstioCertificateRequest request) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      writeString(out, 1, request.csr());
      if (request.validityDurationSeconds() != 0) {
        writeVarint(out, (3 << 3) | VARINT);
        writeVarint(out, request.validityDurationSeconds());
      }
      return new ByteArrayInputStream(out.toByteArray());
    }

    @Override
    public IstioCertificateRequest parse(InputStream stream) {
      Reader in = new Reader(readAll(stream));
      String csr = "";
      long validity = 0;
      while (in.more()) {
        long tag = in.varint();
        int field = (int) (tag >>> 3);
        int wire = (int) (tag & 7);
        if (field == 1 && wire == LENGTH_DELIMITED) {
          csr = in.string();
        } else if (field == 3 && wire == VARINT) {
          validity = in.varint();
        } else {
          in.skip(wire);
        }
      }
      return new IstioCertificateRequest(csr, Math.max(0, validity));
    }
  }

  private static final class ResponseMarshaller implements MethodDescriptor.Marshaller<IstioCertificateResponse> {
    @Override
    public InputStream stream(IstioCertificateResponse response) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (String certificate : response.certChain()) {
        writeString(out, 1, certificate);
      }
      return new ByteArrayInputStream(out.toByteArray());
    }

    @Override
    public IstioCertificateResponse parse(InputStream stream) {
      Reader in = new Reader(readAll(stream));
      List<String> chain = new ArrayList<>();
      while (in.more()) {
        long tag = in.varint();
        int wire = (int) (tag & 7);
        if ((tag >>> 3) == 1 && wire == LENGTH_DELIMITED) {
          chain.add(in.string());
        } else {
          in.skip(wire);
        }
      }
      return new IstioCertificateResponse(chain);
    }
  }

  private static void writeString(ByteArrayOutputStream out, int field, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    writeVarint(out, ((long) field << 3) | LENGTH_DELIMITED);
    writeVarint(out, bytes.length);
    out.write(bytes, 0, bytes.length);
  }

  private static void writeVarint(ByteArrayOutputStream out, long value) {
    long rest = value;
    while ((rest & ~0x7FL) != 0) {
      out.write((int) ((rest & 0x7F) | 0x80));
      rest >>>= 7;
    }
    out.write((int) rest);
  }

  private static byte[] readAll(InputStream stream) {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read an Istio CA message", e);
    }
  }

  /** Reads protobuf wire format; a truncated or malformed message is an {@link IllegalArgumentException}. */
  private static final class Reader {
    private final byte[] bytes;
    private int position;

    Reader(byte[] bytes) {
      this.bytes = bytes;
    }

    boolean more() {
      return position < bytes.length;
    }

    long varint() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = next();
        value |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new IllegalArgumentException("malformed varint in an Istio CA message");
    }

    String string() {
      int length = length();
      String value = new String(bytes, position, length, StandardCharsets.UTF_8);
      position += length;
      return value;
    }

    void skip(int wire) {
      switch (wire) {
        case VARINT -> varint();
        case FIXED64 -> advance(8);
        case LENGTH_DELIMITED -> advance(length());
        case FIXED32 -> advance(4);
        default -> throw new IllegalArgumentException("unsupported wire type " + wire + " in an Istio CA message");
      }
    }

    private int length() {
      long length = varint();
      if (length < 0 || length > bytes.length - position) {
        throw new IllegalArgumentException("truncated field in an Istio CA message");
      }
      return (int) length;
    }

    private void advance(int count) {
      if (count > bytes.length - position) {
        throw new IllegalArgumentException("truncated field in an Istio CA message");
      }
      position += count;
    }

    private byte next() {
      if (position >= bytes.length) {
        throw new IllegalArgumentException("truncated varint in an Istio CA message");
      }
      return bytes[position++];
    }
  }
}
