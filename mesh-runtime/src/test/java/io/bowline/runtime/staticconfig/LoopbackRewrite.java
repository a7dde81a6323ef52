package io.bowline.runtime.staticconfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Test-only: moves an Envoy example bootstrap from its docker network onto loopback without
 * editing the file. The parsed YAML tree gets, in {@code static_resources}:
 * <ul>
 *   <li>each listener's {@code socket_address} {@code host:port} replaced as {@code listeners} maps it;
 *   <li>each cluster endpoint whose {@code host:port} is in {@code resolve} replaced by one
 *       {@code lb_endpoint} per loopback address (what a {@code STRICT_DNS} lookup returning those
 *       addresses would give), carrying {@code health_status: UNHEALTHY} when its port is in
 *       {@code unhealthyPorts} (standing in for Envoy's active health checker, which Bowline does
 *       not run);
 *   <li>{@code STRICT_DNS} / {@code LOGICAL_DNS} clusters turned {@code STATIC}, as the runtime
 *       does not resolve DNS clusters (yet): the resolution above is done here instead.
 * </ul>
 *
 * @param listeners {@code "host:port"} → {@code "127.0.0.1:port"}
 * @param resolve {@code "host:port"} → loopback ports it resolves to
 * @param unhealthyPorts loopback ports whose endpoints are marked unhealthy
 */
record LoopbackRewrite(Map<String, String> listeners, Map<String, List<Integer>> resolve, Set<Integer> unhealthyPorts) {

  /** Reads {@code fixture}, rewrites it and writes the result to {@code dir}; returns that file. */
  Path writeTo(Path fixture, Path dir) throws IOException {
    Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()), new Representer(new DumperOptions()));
    Map<String, Object> root = yaml.load(Files.readString(fixture));
    Map<String, Object> sr = map(root.get("static_resources"));
    for (Object l : list(sr.get("listeners"))) {
      Map<String, Object> sa = map(map(map(l).get("address")).get("socket_address"));
      String to = listeners.get(sa.get("address") + ":" + sa.get("port_value"));
      if (to != null) {
        sa.put("address", to.substring(0, to.lastIndexOf(':')));
        sa.put("port_value", Integer.parseInt(to.substring(to.lastIndexOf(':') + 1)));
      }
    }
    for (Object c : list(sr.get("clusters"))) {
      Map<String, Object> cluster = map(c);
      if ("STRICT_DNS".equals(cluster.get("type")) || "LOGICAL_DNS".equals(cluster.get("type"))) {
        cluster.put("type", "STATIC");
      }
      Map<String, Object> cla = map(cluster.get("load_assignment"));
      for (Object group : list(cla == null ? null : cla.get("endpoints"))) {
        List<Object> expanded = new ArrayList<>();
        for (Object lbe : list(map(group).get("lb_endpoints"))) {
          expanded.addAll(resolved(map(lbe)));
        }
        map(group).put("lb_endpoints", expanded);
      }
    }
    Path out = dir.resolve(fixture.getFileName());
    Files.writeString(out, yaml.dump(root));
    return out;
  }

  private List<Object> resolved(Map<String, Object> lbEndpoint) {
    Map<String, Object> sa = map(map(map(lbEndpoint.get("endpoint")).get("address")).get("socket_address"));
    List<Integer> ports = resolve.get(sa.get("address") + ":" + sa.get("port_value"));
    if (ports == null) {
      return List.of(lbEndpoint);
    }
    List<Object> out = new ArrayList<>();
    for (int port : ports) {
      Map<String, Object> copy = new LinkedHashMap<>(lbEndpoint);
      Map<String, Object> endpoint = new LinkedHashMap<>(map(lbEndpoint.get("endpoint")));
      endpoint.put("address", Map.of("socket_address", Map.of("address", "127.0.0.1", "port_value", port)));
      copy.put("endpoint", endpoint);
      if (unhealthyPorts.contains(port)) {
        copy.put("health_status", "UNHEALTHY");
      }
      out.add(copy);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return o == null ? List.of() : (List<Object>) o;
  }
}
