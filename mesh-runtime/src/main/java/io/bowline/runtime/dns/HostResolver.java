package io.bowline.runtime.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Resolves a host name to its addresses, in the order the system resolver returns them. */
@FunctionalInterface
public interface HostResolver {
  /** The JVM's resolver ({@link InetAddress#getAllByName}, which honours its own cache TTL). */
  HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

  /**
   * @return at least one address
   * @throws UnknownHostException when the name does not resolve
   */
  List<InetAddress> resolve(String host) throws UnknownHostException;
}
