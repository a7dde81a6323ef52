package io.bowline.runtime.bootstrap;

import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * An xDS server URI naming a Unix domain socket, as gRPC's naming doc spells it: {@code unix:///abs/path} (what
 * Istio's grpc-agent writes, {@code unix:///etc/istio/proxy/XDS}), {@code unix:/abs/path} and {@code unix:path}
 * (relative to the working directory). The channel to it uses grpc-netty over Netty's native epoll transport, an
 * optional dependency of the runtime: {@code io.netty:netty-transport-native-epoll} (classifier
 * {@code linux-x86_64}), at the version of grpc-netty's Netty.
 */
public final class UnixSocketUri {
  /** The scheme, {@code unix}. */
  public static final String SCHEME = "unix";
  /** What to add when epoll is absent, as a message names it. */
  public static final String EPOLL_ARTIFACT =
      "io.netty:netty-transport-native-epoll (classifier linux-x86_64, the version of grpc-netty's Netty)";

  private UnixSocketUri() {}

  /** Whether {@code uri} has the {@code unix:} scheme (case-insensitive, as URI schemes are). */
  public static boolean isUnix(String uri) {
    return uri.regionMatches(true, 0, SCHEME + ":", 0, SCHEME.length() + 1);
  }

  /**
   * The absolute socket path {@code uri} names.
   *
   * @param uri a {@code unix:} URI
   * @return the path, absolute and normalised
   * @throws IllegalArgumentException saying what is wrong (the message does not repeat {@code uri}): an authority ({@code unix://host/...}), an empty path,
   *     a query or fragment
   */
  public static Path path(String uri) {
    String rest = uri.substring(SCHEME.length() + 1);
    if (rest.startsWith("//")) {
      rest = rest.substring(2);
      if (!rest.startsWith("/")) {
        throw new IllegalArgumentException("has an authority; a Unix socket URI is unix:///abs/path, "
            + "unix:/abs/path or unix:relative/path");
      }
    }
    if (rest.isEmpty() || rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
      throw new IllegalArgumentException("names no socket path (or has a query or fragment); a Unix "
          + "socket URI is unix:///abs/path, unix:/abs/path or unix:relative/path");
    }
    return Path.of(rest).toAbsolutePath().normalize();
  }

  /**
   * {@code path} as the target grpc-netty's own {@code unix} name resolver takes ({@code unix:/abs/path},
   * percent-encoded where the path needs it).
   */
  public static String grpcTarget(Path path) {
    try {
      return new URI(SCHEME, null, path.toString(), null).toString();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("socket path " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Why a channel to {@code uri} cannot be opened, or {@code null} when it can (or when it is not a {@code unix:}
   * URI): a malformed socket URI, or Netty's epoll transport missing from this JVM.
   */
  public static String problem(String uri) {
    if (!isUnix(uri)) {
      return null;
    }
    try {
      path(uri);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    return epollUnavailable();
  }

  /**
   * Why a Unix socket channel cannot be opened in this JVM, or {@code null} when it can: Netty's epoll classes are
   * absent (name the artifact to add) or present but not loadable here (another OS or architecture).
   */
  public static String epollUnavailable() {
    Class<?> epoll;
    try {
      epoll = Class.forName("io.netty.channel.epoll.Epoll", false, UnixSocketUri.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return "a Unix domain socket needs Netty's native epoll transport, which is not on the classpath: add "
          + EPOLL_ARTIFACT;
    }
    try {
      if (Boolean.TRUE.equals(epoll.getMethod("isAvailable").invoke(null))) {
        return null;
      }
      Object cause = epoll.getMethod("unavailabilityCause").invoke(null);
      return "a Unix domain socket needs Netty's native epoll transport, which does not load here ("
          + System.getProperty("os.name") + " " + System.getProperty("os.arch") + "): "
          + (cause instanceof Throwable t ? t.getMessage() : cause) + "; add " + EPOLL_ARTIFACT;
    } catch (ReflectiveOperationException | LinkageError e) {
      Throwable t = e instanceof InvocationTargetException ite ? ite.getCause() : e;
      return "Netty's epoll transport does not load: " + t + "; add " + EPOLL_ARTIFACT;
    }
  }
}
