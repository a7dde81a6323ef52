package io.bowline.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where Bowline's local control plane publishes its CA for clients of the same user on the same machine:
 * {@code <home>/.bowline/local-ca/}, with {@code token} (the bearer token that authenticates the user),
 * {@code address} ({@code host:port} of the CA's gRPC endpoint) and {@code root-cert.pem}, all readable by the
 * owner only. {@code <home>} is the system property {@code bowline.home} if set, else {@code user.home}.
 *
 * @param directory the directory holding the files
 */
public record LocalCa(Path directory) {

  /** The system property that overrides the home directory. */
  public static final String HOME_PROPERTY = "bowline.home";

  /** The directory for the current user. */
  public static LocalCa forCurrentUser() {
    String home = System.getProperty(HOME_PROPERTY, System.getProperty("user.home"));
    return new LocalCa(Path.of(home, ".bowline", "local-ca"));
  }

  /** The token file. */
  public Path tokenFile() {
    return directory.resolve("token");
  }

  /** The address file. */
  public Path addressFile() {
    return directory.resolve("address");
  }

  /** The root certificate file. */
  public Path rootCertificateFile() {
    return directory.resolve("root-cert.pem");
  }

  /** The directory of the persisted CA keys of {@code trustDomain}. */
  public Path keyDirectory(String trustDomain) {
    return directory.resolve("ca-" + trustDomain);
  }

  /**
   * What a client needs to reach the local CA, if a control plane has published it.
   *
   * @throws IOException if the files exist but cannot be read
   */
  public Optional<Endpoint> endpoint() throws IOException {
    try {
      String token = Files.readString(tokenFile()).strip();
      String address = Files.readString(addressFile()).strip();
      return Optional.of(new Endpoint(address, token));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * The local CA's gRPC target and the bearer token. {@link #toString()} leaves the token out.
   *
   * @param target {@code host:port}
   * @param token the bearer token
   */
  public record Endpoint(String target, String token) {
    @Override
    public String toString() {
      return "LocalCa.Endpoint{" + target + "}";
    }
  }
}
