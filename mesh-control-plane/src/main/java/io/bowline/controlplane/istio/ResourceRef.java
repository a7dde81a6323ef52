package io.bowline.controlplane.istio;

/**
 * Identifies one Istio resource and where it was read from.
 *
 * @param kind the Kubernetes kind, for example {@code VirtualService}
 * @param namespace {@code metadata.namespace}, {@code "default"} when absent
 * @param name {@code metadata.name}
 * @param file the file name relative to the configuration directory
 */
public record ResourceRef(String kind, String namespace, String name, String file) {

  /** The resource as diagnostics name it: {@code "Kind namespace/name"}. */
  public String label() {
    return kind + " " + namespace + "/" + name;
  }
}
