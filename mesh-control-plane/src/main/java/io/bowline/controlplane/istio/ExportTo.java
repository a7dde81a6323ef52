package io.bowline.controlplane.istio;

import java.util.List;

/**
 * Istio's {@code exportTo} of a ServiceEntry or VirtualService: the namespaces whose workloads see the
 * resource. {@code "."} is the resource's own namespace, {@code "*"} every namespace, {@code "~"} none, any
 * other entry a namespace by name. Unset or empty means every namespace (Istio's default
 * {@code defaultServiceExportTo}/{@code defaultVirtualServiceExportTo} of {@code "*"}).
 *
 * @param namespaces the entries as written
 */
public record ExportTo(List<String> namespaces) {

  /** Visible to every namespace: what an unset {@code exportTo} means. */
  public static final ExportTo ALL = new ExportTo(List.of());

  /** Copies the list. */
  public ExportTo {
    namespaces = List.copyOf(namespaces);
  }

  /**
   * Whether a client in {@code clientNamespace} sees a resource of {@code ownNamespace} exported like this.
   */
  public boolean visibleTo(String ownNamespace, String clientNamespace) {
    if (namespaces.isEmpty()) {
      return true;
    }
    for (String namespace : namespaces) {
      if (namespace.equals("*") || namespace.equals(clientNamespace)
          || namespace.equals(".") && ownNamespace.equals(clientNamespace)) {
        return true;
      }
    }
    return false;
  }
}
