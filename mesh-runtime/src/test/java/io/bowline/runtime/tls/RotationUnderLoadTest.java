package io.bowline.runtime.tls;

import io.bowline.api.MeshClient;
import io.bowline.runtime.testing.XdsTestServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, rotation under load: the workload certificate lives 6 s and is replaced (atomically, as Istio's
 * grpc-agent does) every 2 s in the files of the bootstrap's {@code file_watcher} provider (refresh 1 s), while
 * OkHttp and gRPC calls run back to back through ISTIO_MUTUAL clusters ({@link RotatingMtlsLoad}): every call
 * succeeds, and both servers see at least three new client certificate serials (a rotation gives the OkHttp path a
 * fresh {@code SSLContext} and gRPC new endpoint channels, so no TLS session of the previous certificate is resumed).
 * Live connections keep their certificate; only new handshakes take the new one.
 */
class RotationUnderLoadTest {
  @TempDir
  Path certs;

  @Test
  void threeRotationsUnderContinuousOkHttpAndGrpcCallsFailNoCallAndReachTheServersAsNewSerials() throws Exception {
    try (RotatingMtlsLoad load = new RotatingMtlsLoad(certs, Duration.ofSeconds(6));
        XdsTestServer xds = new XdsTestServer()) {
      xds.set(load.snapshot());
      try (MeshClient mesh = MeshClient.builder().bootstrapJson(MeshPki.bootstrap(xds.address(), certs, "1s"))
          .build()) {
        mesh.awaitReady(Duration.ofSeconds(20));
        load.rotateUnderLoad(mesh, 3, Duration.ofSeconds(2), Duration.ofSeconds(25));
      }
    }
  }
}
