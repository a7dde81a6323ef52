package io.bowline.runtime.adapter.okhttp;

import io.bowline.runtime.router.timeout.DeadlineWatchdog;
import java.io.IOException;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;

/**
 * A response body whose socket reads are bounded on the {@link DeadlineWatchdog}: each read may
 * block until the route's stream deadline or for the client's read timeout, whichever comes first,
 * after which the watchdog closes the exchange's socket and the read fails with a
 * {@link java.net.SocketTimeoutException}. This is what okio's timeouts do per read (the client's
 * read timeout) and per body (a deadline), without waking a thread on each read. Nothing is armed
 * between reads, so a body that has arrived can still be read after the deadline, as with okio.
 */
final class DeadlineBody extends WrappedBody {
  /**
   * @param body the exchange's body
   * @param closer closes the exchange's socket and marks {@code deadline} expired
   * @param deadline the attempt's limits ({@link ExchangeDeadline#streamDeadline()})
   * @param readTimeoutNanos how long one read may block, or {@link ExchangeDeadline#NONE}
   */
  DeadlineBody(ResponseBody body, Runnable closer, ExchangeDeadline deadline, long readTimeoutNanos) {
    super(body, new BoundedReads(body.source(), body.contentLength(), closer, deadline, readTimeoutNanos));
  }

  /** Arms the watchdog around each read of the underlying source. */
  private static final class BoundedReads extends ForwardingSource {
    private final Runnable closer;
    private final ExchangeDeadline deadline;
    private final long readTimeoutNanos;
    /** Bytes still to come when the length is known, else -1. */
    private long remaining;

    BoundedReads(BufferedSource delegate, long contentLength, Runnable closer, ExchangeDeadline deadline, long readTimeoutNanos) {
      super(delegate);
      this.remaining = contentLength;
      this.closer = closer;
      this.deadline = deadline;
      this.readTimeoutNanos = readTimeoutNanos;
    }

    @Override
    public long read(Buffer sink, long byteCount) throws IOException {
      if (remaining == 0) {
        return super.read(sink, byteCount); // the body is complete: the end is answered without a socket read
      }
      long until = deadline.streamDeadline();
      if (readTimeoutNanos != ExchangeDeadline.NONE) {
        long idle = System.nanoTime() + readTimeoutNanos;
        until = until == ExchangeDeadline.NONE || idle - until < 0 ? idle : until;
      }
      DeadlineWatchdog.Armed armed = DeadlineWatchdog.get().arm(until, closer);
      long n;
      try {
        n = super.read(sink, byteCount);
      } catch (IOException e) {
        if (armed.disarm() || deadline.expired()) {
          throw deadline.timeout(e);
        }
        throw e;
      }
      armed.disarm(); // if it fired just now, the bytes already read still count; the next read fails
      if (remaining > 0 && n > 0) {
        remaining -= n;
      }
      return n;
    }
  }
}
