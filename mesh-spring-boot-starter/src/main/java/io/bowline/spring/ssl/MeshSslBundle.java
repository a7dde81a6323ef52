package io.bowline.spring.ssl;

import io.bowline.api.MeshClient;
import io.bowline.api.config.UpstreamTls;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.tls.UpstreamTlsHandle;
import io.bowline.tls.WorkloadCertificate;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslBundleRegistry;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;

/**
 * The Spring SSL bundle {@value #NAME}: the workload certificate (Istio's certificate provider instance
 * {@code default}, certificate {@code default}) and trust bundle ({@code ROOTCA}) of the application's mesh client,
 * so that {@code server.ssl.bundle=bowline} makes the embedded server present the workload's SVID and verify clients
 * against the mesh's roots.
 *
 * <ul>
 *   <li>Key and trust stores (what Tomcat reads): an in-memory PKCS#12 snapshot of the current certificate, key and
 *       roots, under alias {@value #ALIAS}, with a random password made per snapshot (never logged).
 *   <li>Managers (what Reactor Netty reads): the mesh client's own key and trust managers, which follow rotation
 *       at each handshake; the trust manager verifies clients as SPIFFE peers (trust domain, X.509-SVID rules).
 *   <li>Rotation: each new certificate or trust bundle is a new snapshot, given to
 *       {@link SslBundleRegistry#updateBundle}, so Boot reloads the server's TLS (its update listeners).
 * </ul>
 *
 * The first use waits for the certificate (the CSR to the mesh's CA) up to {@code wait}; without it in time it
 * throws {@link IllegalStateException} naming what the provider reports, so the server never starts without TLS.
 */
public final class MeshSslBundle implements AutoCloseable {
  /** The bundle's name: {@code server.ssl.bundle=bowline}. */
  public static final String NAME = "bowline";
  /** The key's alias in the key store. */
  public static final String ALIAS = "bowline";
  private static final String INSTANCE = "default";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final UpstreamTlsHandle handle;
  private final Duration wait;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final Runnable unlisten;
  private volatile Runnable onRotation = () -> { };
  /** The certificate of the last snapshot. */
  private volatile WorkloadCertificate snapshotted;

  /**
   * @param mesh the application's mesh client
   * @param wait how long the first use waits for the workload certificate
   * @throws IllegalArgumentException if the mesh client's bootstrap has no certificate provider instance
   *     {@code default}
   */
  public MeshSslBundle(MeshClient mesh, Duration wait) {
    this.wait = wait;
    this.handle = RuntimeMeshClient.of(mesh).serverListeners().tlsHandle(new UpstreamTls(
        UpstreamTls.Source.provider(INSTANCE, "default"), UpstreamTls.Source.provider(INSTANCE, "ROOTCA"), List.of(),
        "", List.of()));
    this.unlisten = handle.onUpdate(() -> {
      ready.complete(null);
      onRotation.run();
    });
    if (handle.ready()) {
      ready.complete(null);
    }
  }

  /**
   * Registers the bundle as {@value #NAME} and keeps it current: each rotation updates the registration.
   *
   * @param registry the application's bundle registry
   */
  public void register(SslBundleRegistry registry) {
    Lazy lazy = new Lazy();
    registry.registerBundle(NAME, lazy);
    onRotation = () -> {
      WorkloadCertificate now = handle.certificate();
      if (lazy.bundle != null && now != null && now != snapshotted) { // only what a server already reads is reloaded
        registry.updateBundle(NAME, snapshot());
      }
    };
  }

  /**
   * The bundle of the current certificate, waiting for the first one.
   *
   * @return a snapshot of the stores, with managers that follow rotation
   * @throws IllegalStateException if no certificate arrives in time
   */
  public SslBundle snapshot() {
    awaitReady();
    WorkloadCertificate certificate = handle.certificate();
    snapshotted = certificate;
    if (certificate == null) {
      throw new IllegalStateException("SSL bundle " + NAME + ": the mesh's certificate provider gave no workload "
          + "certificate");
    }
    try {
      String password = HexFormat.of().formatHex(RANDOM.generateSeed(16));
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry(ALIAS, certificate.privateKey(), password.toCharArray(),
          certificate.chain().toArray(X509Certificate[]::new));
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (X509Certificate root : certificate.trustBundle()) {
        trust.setCertificateEntry("root-" + i++, root);
      }
      return SslBundle.of(SslStoreBundle.of(keys, password, trust), SslBundleKey.of(password, ALIAS),
          SslOptions.of(null, new String[] {"TLSv1.3", "TLSv1.2"}), SslBundle.DEFAULT_PROTOCOL,
          new Managers());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("SSL bundle " + NAME + ": cannot hold the workload certificate in a key store: "
          + e.getClass().getSimpleName(), e);
    }
  }

  private void awaitReady() {
    try {
      ready.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("SSL bundle " + NAME + ": no workload certificate within " + wait + ": "
          + handle.notReadyReason());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("SSL bundle " + NAME + ": interrupted while waiting for the workload "
          + "certificate");
    } catch (ExecutionException e) {
      throw new IllegalStateException("SSL bundle " + NAME + ": " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** The workload certificate now, or {@code null} before the first one. */
  public WorkloadCertificate certificate() {
    return handle.certificate();
  }

  /** Stops following rotation. */
  @Override
  public void close() {
    unlisten.run();
  }

  /** The registered bundle before anyone used it: made on first use (when the server starts). */
  private final class Lazy implements SslBundle {
    private volatile SslBundle bundle;

    private SslBundle bundle() {
      SslBundle b = bundle;
      if (b == null) {
        synchronized (this) {
          if (bundle == null) {
            bundle = snapshot();
          }
          b = bundle;
        }
      }
      return b;
    }

    @Override
    public SslStoreBundle getStores() {
      return bundle().getStores();
    }

    @Override
    public SslBundleKey getKey() {
      return bundle().getKey();
    }

    @Override
    public SslOptions getOptions() {
      return bundle().getOptions();
    }

    @Override
    public String getProtocol() {
      return SslBundle.DEFAULT_PROTOCOL;
    }

    @Override
    public SslManagerBundle getManagers() {
      return bundle().getManagers();
    }

    @Override
    public String toString() {
      return "SslBundle " + NAME + " (" + handle + ")";
    }
  }

  /** The mesh client's rotating managers as factories. */
  private final class Managers implements SslManagerBundle {
    @Override
    public KeyManagerFactory getKeyManagerFactory() {
      return new KeyManagerFactory(new KeyManagerFactorySpi() {
        @Override
        protected void engineInit(KeyStore ks, char[] password) {
          // the managers are the mesh client's
        }

        @Override
        protected void engineInit(ManagerFactoryParameters spec) {
          // the managers are the mesh client's
        }

        @Override
        protected KeyManager[] engineGetKeyManagers() {
          return new KeyManager[] {handle.keyManager()};
        }
      }, PROVIDER, "bowline") { };
    }

    @Override
    public TrustManagerFactory getTrustManagerFactory() {
      return new TrustManagerFactory(new TrustManagerFactorySpi() {
        @Override
        protected void engineInit(KeyStore ks) throws KeyStoreException {
          // the managers are the mesh client's
        }

        @Override
        protected void engineInit(ManagerFactoryParameters spec) {
          // the managers are the mesh client's
        }

        @Override
        protected TrustManager[] engineGetTrustManagers() {
          return new TrustManager[] {handle.trustManager()};
        }
      }, PROVIDER, "bowline") { };
    }
  }

  private static final Provider PROVIDER = new Provider("Bowline", "1.0", "the mesh client's key and trust managers") {
    private static final long serialVersionUID = 1L;
  };
}
