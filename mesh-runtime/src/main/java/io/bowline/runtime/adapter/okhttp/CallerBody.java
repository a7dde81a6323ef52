package io.bowline.runtime.adapter.okhttp;

import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.router.timeout.DeadlineWatchdog;
import java.io.IOException;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;

/**
 * The body of the caller's response to a routed exchange, when the mesh has to see its reads: one wrapper for
 * both of the following, so that the response is copied once (the caller's response, which the mesh builds anyway).
 * <ul>
 *   <li>Bounded reads (the attempt's {@link ExchangeDeadline} when okio's timeouts are off, see
 *       {@link OkHttpAttempts}): each read may block until the route's stream deadline or for the client's read
 *       timeout, whichever comes first, after which the watchdog closes the exchange's socket (or cancels the
 *       attempt's own call) and the read fails with a {@link java.net.SocketTimeoutException}. This is what okio's
 *       timeouts do per read (the client's read timeout) and per body (a deadline), without waking a thread on each
 *       read. Nothing is armed between reads, so a body that has arrived can still be read after the deadline, as
 *       with okio.
 *   <li>Observed reads (the exchange is observed): the body's bytes are counted for the exchange, which completes
 *       when the body is read to its end or closed.
 * </ul>
 */
final class CallerBody extends WrappedBody {
  /**
   * @param body the upstream response's body
   * @param bound the attempt's limits with their {@link ExchangeDeadline#bodyBounded()}, or {@code null} for reads the
   *     watchdog does not bound
   * @param observed the exchange to count the bytes for and complete, or {@code null} when nobody observes it
   */
  CallerBody(ResponseBody body, ExchangeDeadline bound, MeshExchange observed) {
    super(body, new Reads(body.source(), body.contentLength(), bound, observed));
  }

  /** Arms the watchdog around each read of the underlying source, and counts what it read. */
  private static final class Reads extends ForwardingSource {
    private final ExchangeDeadline bound;
    private final MeshExchange observed;
    /** Bytes still to come when the length is known, else -1. */
    private long remaining;

    Reads(BufferedSource delegate, long contentLength, ExchangeDeadline bound, MeshExchange observed) {
      super(delegate);
      this.remaining = contentLength;
      this.bound = bound;
      this.observed = observed;
    }

    @Override
    public long read(Buffer sink, long byteCount) throws IOException {
      long n = bound == null || remaining == 0
          ? super.read(sink, byteCount) // the body is complete: the end is answered without a socket read
          : boundedRead(sink, byteCount);
      if (remaining > 0 && n > 0) {
        remaining -= n;
      }
      if (observed != null) {
        if (n < 0) {
          observed.complete();
        } else {
          observed.addResponseBodyBytes(n);
        }
      }
      return n;
    }

    private long boundedRead(Buffer sink, long byteCount) throws IOException {
      long until = bound.streamDeadline();
      long readNanos = bound.bodyReadNanos();
      if (readNanos != ExchangeDeadline.NONE) {
        long idle = System.nanoTime() + readNanos;
        until = until == ExchangeDeadline.NONE || idle - until < 0 ? idle : until;
      }
      DeadlineWatchdog.Armed armed = DeadlineWatchdog.get().arm(until, bound); // the limits cut the exchange (ExchangeDeadline.run)
      long n;
      try {
        n = super.read(sink, byteCount);
      } catch (IOException e) {
        if (armed.disarm() || bound.expired()) {
          throw bound.timeout(e);
        }
        throw e;
      }
      armed.disarm(); // if it fired just now, the bytes already read still count; the next read fails
      return n;
    }

    @Override
    public void close() throws IOException {
      try {
        super.close();
      } finally {
        if (observed != null) {
          observed.complete();
        }
      }
    }
  }
}
