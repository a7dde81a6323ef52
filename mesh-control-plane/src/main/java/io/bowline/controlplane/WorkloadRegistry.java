package io.bowline.controlplane;

import io.bowline.controlplane.istio.ResourceRef;
import io.bowline.controlplane.istio.WorkloadEndpoint;
import io.bowline.controlplane.istio.WorkloadEntry;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Workloads registered from Java, next to the WorkloadEntries of the configuration directory: each is a
 * WorkloadEntry ({@code namespace/name}) that ServiceEntries and Kubernetes Services select by labels, exactly
 * like one written in YAML. Every {@link #register} and {@link #deregister} re-translates the last loaded
 * configuration and publishes it (EDS changes are pushed like a file change, without re-reading the files).
 * Diagnostics name these entries' file as {@value #SOURCE}. Thread-safe.
 */
public final class WorkloadRegistry {

  /** The "file" registered workloads are attributed to in diagnostics. */
  public static final String SOURCE = "(registry)";

  private final Map<String, WorkloadEntry> entries = new ConcurrentSkipListMap<>();
  private final Runnable onChange;

  WorkloadRegistry(Runnable onChange) {
    this.onChange = onChange;
  }

  /**
   * Adds or replaces the workload {@code namespace/name} and publishes.
   *
   * @param namespace the workload's namespace (services select workloads of their own namespace)
   * @param name the workload's name, unique in the namespace
   * @param address its IP address or host name
   * @param ports the port per service port name, for example {@code {"http": 18080}}; a service port with no
   *     entry uses its {@code targetPort} or its own number
   * @param labels its labels, for example {@code {"app": "reviews", "version": "v2"}}
   */
  public void register(String namespace, String name, String address, Map<String, Integer> ports,
      Map<String, String> labels) {
    Objects.requireNonNull(address, "address");
    ResourceRef ref = new ResourceRef("WorkloadEntry", namespace, name, SOURCE);
    entries.put(key(namespace, name), new WorkloadEntry(ref,
        new WorkloadEndpoint(address, ports, labels, 0, "").withWorkload(name, namespace, "")));
    onChange.run();
  }

  /**
   * Removes the workload {@code namespace/name} and publishes.
   *
   * @return whether it was registered
   */
  public boolean deregister(String namespace, String name) {
    boolean removed = entries.remove(key(namespace, name)) != null;
    if (removed) {
      onChange.run();
    }
    return removed;
  }

  /** The registered workloads, sorted by namespace and name. */
  public List<WorkloadEntry> entries() {
    return List.copyOf(entries.values());
  }

  private static String key(String namespace, String name) {
    return Objects.requireNonNull(namespace, "namespace") + "/" + Objects.requireNonNull(name, "name");
  }
}
