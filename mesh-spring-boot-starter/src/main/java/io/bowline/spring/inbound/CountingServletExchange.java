package io.bowline.spring.inbound;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A servlet request and response that count the body bytes the application reads and writes (Istio's
 * {@code istio_request_bytes} and {@code istio_response_bytes}), without holding them: every read and write goes
 * straight through.
 */
final class CountingServletExchange {
  final AtomicLong requestBytes = new AtomicLong();
  final AtomicLong responseBytes = new AtomicLong();
  final HttpServletRequest request;
  final HttpServletResponse response;

  CountingServletExchange(HttpServletRequest request, HttpServletResponse response) {
    this.request = new Request(request);
    this.response = new Response(response);
  }

  private final class Request extends HttpServletRequestWrapper {
    private ServletInputStream in;
    private BufferedReader reader;

    Request(HttpServletRequest request) {
      super(request);
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (in == null) {
        in = new CountingInput(super.getInputStream(), requestBytes);
      }
      return in;
    }

    @Override
    public BufferedReader getReader() throws IOException {
      if (reader == null) {
        String encoding = getCharacterEncoding();
        Charset charset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
        reader = new BufferedReader(new InputStreamReader(getInputStream(), charset));
      }
      return reader;
    }
  }

  private final class Response extends HttpServletResponseWrapper {
    private ServletOutputStream out;
    private PrintWriter writer;

    Response(HttpServletResponse response) {
      super(response);
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
      if (out == null) {
        out = new CountingOutput(super.getOutputStream(), responseBytes);
      }
      return out;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
      if (writer == null) {
        writer = new PrintWriter(new OutputStreamWriter(getOutputStream(), Charset.forName(getCharacterEncoding())));
      }
      return writer;
    }

    @Override
    public void flushBuffer() throws IOException {
      if (writer != null) {
        writer.flush();
      }
      super.flushBuffer();
    }
  }

  private static final class CountingInput extends ServletInputStream {
    private final ServletInputStream in;
    private final AtomicLong count;

    CountingInput(ServletInputStream in, AtomicLong count) {
      this.in = in;
      this.count = count;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count.incrementAndGet();
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count.addAndGet(n);
      }
      return n;
    }

    @Override
    public boolean isFinished() {
      return in.isFinished();
    }

    @Override
    public boolean isReady() {
      return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }
  }

  private static final class CountingOutput extends ServletOutputStream {
    private final ServletOutputStream out;
    private final AtomicLong count;

    CountingOutput(ServletOutputStream out, AtomicLong count) {
      this.out = out;
      this.count = count;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count.incrementAndGet();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count.addAndGet(len);
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }

    @Override
    public boolean isReady() {
      return out.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      out.setWriteListener(listener);
    }
  }
}
