package io.bowline.runtime.xds;

import java.util.HashMap;
import java.util.Map;

/**
 * One {@link XdsClient} per {@link XdsClientConfig} (servers, node, timeout, protocol) in the
 * process, reference counted: mesh clients of the same workload and server share one ADS stream,
 * and closing the last lease closes the client. Thread-safe.
 */
public final class XdsClientPool {
  private static final XdsClientPool SHARED = new XdsClientPool();

  private final Map<XdsClientConfig, Entry> clients = new HashMap<>();

  /** The process-wide pool. */
  public static XdsClientPool shared() {
    return SHARED;
  }

  /** Returns a lease on the client for {@code config}, creating and starting it if needed. */
  public synchronized Lease acquire(XdsClientConfig config) {
    Entry e = clients.get(config);
    if (e == null) {
      XdsClient client = new XdsClient(config);
      client.start();
      e = new Entry(client);
      clients.put(config, e);
    }
    e.refs++;
    return new Lease(this, config, e.client);
  }

  /** How many leases are open on the client for {@code config} (0 if none). */
  public synchronized int leases(XdsClientConfig config) {
    Entry e = clients.get(config);
    return e == null ? 0 : e.refs;
  }

  private void release(XdsClientConfig config, XdsClient client) {
    boolean last;
    synchronized (this) {
      Entry e = clients.get(config);
      if (e == null || e.client != client) {
        return;
      }
      last = --e.refs == 0;
      if (last) {
        clients.remove(config);
      }
    }
    if (last) {
      client.close();
    }
  }

  private static final class Entry {
    final XdsClient client;
    int refs;

    Entry(XdsClient client) {
      this.client = client;
    }
  }

  /** A reference to a shared client; {@link #close()} releases it once. */
  public static final class Lease implements AutoCloseable {
    private final XdsClientPool pool;
    private final XdsClientConfig config;
    private final XdsClient client;
    private boolean released;

    private Lease(XdsClientPool pool, XdsClientConfig config, XdsClient client) {
      this.pool = pool;
      this.config = config;
      this.client = client;
    }

    public XdsClient client() {
      return client;
    }

    @Override
    public synchronized void close() {
      if (!released) {
        released = true;
        pool.release(config, client);
      }
    }
  }
}
