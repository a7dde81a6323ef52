package io.bowline.tls;

import java.io.ByteArrayOutputStream;
import java.security.cert.CertificateException;
import java.util.Arrays;

/**
 * The few DER steps PEM key reading needs (ITU-T X.690): read one element's tag and contents, write an
 * element. Only definite lengths, as DER requires. Not a general ASN.1 codec: certificates, CSRs and the CA go
 * through the JDK or Bouncy Castle.
 */
final class Der {

  static final int INTEGER = 0x02;
  static final int OCTET_STRING = 0x04;
  static final int NULL = 0x05;
  static final int OID = 0x06;
  static final int SEQUENCE = 0x30;
  /** {@code [0]} EXPLICIT, constructed: SEC1's curve parameters. */
  static final int CONTEXT_0 = 0xa0;

  /** The object identifiers of the algorithms a key may carry. */
  static final byte[] RSA_ENCRYPTION = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
  static final byte[] RSASSA_PSS = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x0a};
  static final byte[] EC_PUBLIC_KEY = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

  private Der() {
  }

  /** One element: its tag, and where its contents lie in {@code bytes}. */
  record Element(byte[] bytes, int tag, int offset, int length) {

    /** The index just after this element. */
    int end() {
      return offset + length;
    }

    byte[] contents() {
      return Arrays.copyOfRange(bytes, offset, end());
    }

    /** The first element inside this (constructed) element. */
    Element first(String what) throws CertificateException {
      return read(bytes, offset, end(), what);
    }

    /** The element after this one, inside {@code parent}. */
    Element next(Element parent, String what) throws CertificateException {
      return read(bytes, end(), parent.end(), what);
    }

    boolean hasNext(Element parent) {
      return end() < parent.end();
    }
  }

  /** Reads the element at {@code at}, which must end by {@code limit}. */
  static Element read(byte[] bytes, int at, int limit, String what) throws CertificateException {
    if (at + 2 > limit) {
      throw new CertificateException(what + ": truncated DER");
    }
    int tag = bytes[at] & 0xff;
    int first = bytes[at + 1] & 0xff;
    int offset = at + 2;
    int length;
    if (first < 0x80) {
      length = first;
    } else {
      int count = first & 0x7f;
      if (count == 0 || count > 3 || offset + count > limit) {
        throw new CertificateException(what + ": unsupported DER length");
      }
      length = 0;
      for (int i = 0; i < count; i++) {
        length = (length << 8) | (bytes[offset++] & 0xff);
      }
    }
    if (offset + length > limit) {
      throw new CertificateException(what + ": truncated DER");
    }
    return new Element(bytes, tag, offset, length);
  }

  /** Returns {@code element} when its tag is {@code tag}; otherwise the error names {@code what}. */
  static Element expect(Element element, int tag, String what) throws CertificateException {
    if (element.tag() != tag) {
      throw new CertificateException(what + ": unexpected DER structure");
    }
    return element;
  }

  /** One DER element: tag, length, contents. */
  static byte[] element(int tag, byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
    out.write(tag);
    if (length < 0x80) {
      out.write(length);
    } else if (length < 0x100) {
      out.write(0x81);
      out.write(length);
    } else if (length < 0x10000) {
      out.write(0x82);
      out.write(length >> 8);
      out.write(length);
    } else {
      out.write(0x83);
      out.write(length >> 16);
      out.write(length >> 8);
      out.write(length);
    }
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
