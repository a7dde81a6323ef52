package io.bowline.runtime.adapter.okhttp;

import io.bowline.runtime.tls.UpstreamTlsHandle;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HostnameVerifier;
import okhttp3.ConnectionSpec;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * The OkHttp clients that send a caller's TLS attempts: one per (caller's client, {@link UpstreamTlsHandle}),
 * derived with {@code newBuilder()} so it shares the caller's connection pool, dispatcher, event listener,
 * network interceptors and settings, with the handle's socket factory (its {@code SSLContext} and SNI) and
 * trust manager. OkHttp pools connections by address, socket factory included, so a connection made for one
 * handle is never reused for another or for plaintext. TLS only ({@code MODERN_TLS}): never plaintext.
 *
 * <p>The derived clients live on the handle ({@link UpstreamTlsHandle#derived}), keyed weakly by the caller's
 * client: finding one is an identity comparison, with no lock shared by callers. The caller's application
 * interceptors are not run again (the attempt has passed them); the first application interceptor of a derived
 * client applies the attempt's connect, read and write timeouts, which the transport passes as the request's
 * {@link Timeouts} tag, and bounds getting the connection, TLS handshake included, by the connect timeout when the
 * attempt's {@link ExchangeDeadline} cuts it by cancelling its call (see {@link ExchangeDeadline#boundConnect}). The host name is not verified: the handle's
 * trust manager has verified the server's SPIFFE ID, its identity, and the URL's host is the endpoint's IP.
 */
final class TlsClients {
  /** SPIFFE peers are verified by the handle's trust manager during the handshake. */
  private static final HostnameVerifier SPIFFE_VERIFIED = (host, session) -> true;

  private TlsClients() {}

  /** The attempt's timeouts, in milliseconds (0: none), as the mesh set them on the caller's chain. */
  record Timeouts(int connectMillis, int readMillis, int writeMillis) {}

  /** The derived client of {@code caller} for {@code tls}. */
  static OkHttpClient of(OkHttpClient caller, UpstreamTlsHandle tls) {
    return tls.derived(OkHttpClient.class, caller, c -> derive(c, tls));
  }

  private static OkHttpClient derive(OkHttpClient caller, UpstreamTlsHandle tls) {
    OkHttpClient.Builder b = caller.newBuilder();
    b.interceptors().clear();
    return b.addInterceptor(TlsClients::applyTimeouts)
        .sslSocketFactory(tls.socketFactory(), tls.trustManager())
        .hostnameVerifier(SPIFFE_VERIFIED)
        .connectionSpecs(List.of(ConnectionSpec.MODERN_TLS))
        .build();
  }

  private static Response applyTimeouts(Interceptor.Chain chain) throws IOException {
    Timeouts t = chain.request().tag(Timeouts.class);
    Interceptor.Chain c = chain;
    if (t != null) {
      if (c.connectTimeoutMillis() != t.connectMillis()) {
        c = c.withConnectTimeout(t.connectMillis(), TimeUnit.MILLISECONDS);
      }
      if (c.readTimeoutMillis() != t.readMillis()) {
        c = c.withReadTimeout(t.readMillis(), TimeUnit.MILLISECONDS);
      }
      if (c.writeTimeoutMillis() != t.writeMillis()) {
        c = c.withWriteTimeout(t.writeMillis(), TimeUnit.MILLISECONDS);
      }
    }
    ExchangeDeadline limits = chain.request().tag(OkHttpAttempts.LIMITS);
    if (limits == null || !limits.cutByCancel()) {
      return c.proceed(chain.request());
    }
    limits.boundConnect(chain.call(), c.connectTimeoutMillis());
    try {
      return c.proceed(chain.request());
    } finally {
      limits.connected();
    }
  }
}
