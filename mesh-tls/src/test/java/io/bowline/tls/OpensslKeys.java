package io.bowline.tls;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Private keys in every PEM form openssl writes, made by Debian's openssl, and a check that a parsed key is right. */
final class OpensslKeys {

  /** One generated key: the PEM text, the form's name, and openssl's public key for it (SubjectPublicKeyInfo). */
  record Generated(String form, String pem, PublicKey publicKey) {
  }

  private OpensslKeys() {
  }

  static void assumeOpenssl() {
    boolean present;
    try {
      present = new ProcessBuilder("openssl", "version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      present = false;
    }
    assumeTrue(present, "openssl is not installed: skipping the PEM key-format tests");
  }

  /** PKCS#8 and SEC1 EC keys (P-256, P-384 with an EC PARAMETERS block first), PKCS#8 and PKCS#1 RSA keys. */
  static List<Generated> all(Path dir) throws Exception {
    List<Generated> keys = new ArrayList<>();
    keys.add(generate(dir, "EC P-256 PKCS#8", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"));
    keys.add(generate(dir, "EC P-256 SEC1", "ecparam", "-name", "prime256v1", "-genkey", "-noout"));
    keys.add(generate(dir, "EC P-384 SEC1 with parameters", "ecparam", "-name", "secp384r1", "-genkey"));
    keys.add(generate(dir, "RSA PKCS#8", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"));
    keys.add(generate(dir, "RSA PKCS#1", "genrsa", "-traditional", "2048"));
    return keys;
  }

  /** Whether {@code key} signs what {@code publicKey} verifies. */
  static boolean matches(PrivateKey key, PublicKey publicKey) throws Exception {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] data = "bowline".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(data);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(publicKey);
    verifier.update(data);
    return verifier.verify(signature);
  }

  private static Generated generate(Path dir, String form, String... command) throws Exception {
    Path key = dir.resolve(form.replaceAll("[^A-Za-z0-9]", "_") + ".pem");
    run(key, command);
    Path pub = dir.resolve(key.getFileName() + ".pub");
    run(pub, "pkey", "-in", key.toString(), "-pubout");
    String pem = Files.readString(key);
    String pubPem = Files.readString(pub);
    byte[] der = Base64.getMimeDecoder().decode(
        pubPem.replaceAll("-----[A-Z ]+-----", "").strip());
    String algorithm = form.startsWith("EC") ? "EC" : "RSA";
    return new Generated(form, pem, KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der)));
  }

  /**
   * An X.509-SVID for {@code id} issued by a fresh openssl root, in istio-agent's three files under {@code dir}:
   * {@code cert-chain.pem}, {@code key.pem} (a SEC1 EC key) and {@code root-cert.pem}.
   */
  static Path svid(Path dir, String id) throws Exception {
    Path rootKey = dir.resolve("root.key");
    Path root = dir.resolve("root-cert.pem");
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
        rootKey.toString(), "-out", root.toString(), "-days", "1", "-subj", "/O=cluster.local",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    Path key = dir.resolve("key.pem");
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString());
    Path csr = dir.resolve("leaf.csr");
    openssl("req", "-new", "-key", key.toString(), "-subj", "/O=cluster.local", "-out", csr.toString());
    Path extensions = java.nio.file.Files.writeString(dir.resolve("leaf.ext"), "subjectAltName=critical,URI:" + id
        + "\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        + "extendedKeyUsage=serverAuth,clientAuth\n");
    openssl("x509", "-req", "-in", csr.toString(), "-CA", root.toString(), "-CAkey", rootKey.toString(),
        "-CAcreateserial", "-days", "1", "-extfile", extensions.toString(), "-out",
        dir.resolve("cert-chain.pem").toString());
    return dir;
  }

  private static void run(Path out, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(args[0], "-out", out.toString()));
    command.addAll(List.of(args).subList(1, args.length));
    openssl(command.toArray(String[]::new));
  }

  private static void openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + new String(output, StandardCharsets.UTF_8));
    }
  }
}
