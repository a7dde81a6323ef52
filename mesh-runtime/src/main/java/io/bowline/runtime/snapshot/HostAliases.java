package io.bowline.runtime.snapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * The other spellings under which a Kubernetes client reaches a listener named
 * {@code <name>.<ns>.svc.<domain>:<port>}: {@code <name>.<ns>.svc:<port>},
 * {@code <name>.<ns>:<port>} and, when {@code <ns>} is the client's namespace, {@code <name>:<port>}
 * (the DNS search path of a pod).
 */
final class HostAliases {
  private final String namespace;
  private final String svcSuffix;

  HostAliases(String namespace, String clusterDomain) {
    this.namespace = namespace;
    this.svcSuffix = ".svc." + clusterDomain;
  }

  List<String> of(String listenerName) {
    int colon = listenerName.lastIndexOf(':');
    if (colon < 0) {
      return List.of();
    }
    String host = listenerName.substring(0, colon);
    String port = listenerName.substring(colon);
    if (!host.endsWith(svcSuffix)) {
      return List.of();
    }
    String nameNs = host.substring(0, host.length() - svcSuffix.length());
    int dot = nameNs.indexOf('.');
    if (dot <= 0 || nameNs.indexOf('.', dot + 1) >= 0) {
      return List.of();
    }
    List<String> out = new ArrayList<>(3);
    out.add(nameNs + ".svc" + port);
    out.add(nameNs + port);
    if (nameNs.substring(dot + 1).equals(namespace)) {
      out.add(nameNs.substring(0, dot) + port);
    }
    return out;
  }
}
