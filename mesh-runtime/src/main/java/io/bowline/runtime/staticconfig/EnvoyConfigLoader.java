package io.bowline.runtime.staticconfig;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.StaticResources;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * Reads an Envoy configuration file, YAML or JSON (YAML → JSON → protobuf {@code JsonFormat}, as
 * Envoy itself reads YAML): either an Envoy bootstrap ({@code envoy.config.bootstrap.v3.Bootstrap},
 * of which {@code static_resources} is used) or a resources file in the shape Envoy's
 * {@code path_config_source} reads ({@code resources: [{"@type": ...}]}). Typed configs
 * ({@code "@type"}) resolve against the Envoy API's bootstrap, listener, cluster, route and endpoint
 * protos and the common extensions (HTTP connection manager, router, fault, RBAC, TLS contexts,
 * access loggers, upstream HTTP options).
 *
 * <p>YAML needs {@code org.yaml:snakeyaml}, an optional dependency of mesh-runtime (Spring Boot
 * applications have it already); without it JSON files still load, and a YAML file is refused with a
 * {@link StaticConfigException} that names the file and the artifact to add.
 */
public final class EnvoyConfigLoader {
  private static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
      .add(Bootstrap.getDescriptor())
      .add(DiscoveryResponse.getDescriptor())
      .add(HttpConnectionManager.getDescriptor())
      .add(Router.getDescriptor())
      .add(HTTPFault.getDescriptor())
      .add(RBAC.getDescriptor())
      .add(DownstreamTlsContext.getDescriptor())
      .add(UpstreamTlsContext.getDescriptor())
      .add(FileAccessLog.getDescriptor())
      .add(StdoutAccessLog.getDescriptor())
      .add(HttpProtocolOptions.getDescriptor())
      .add(HttpRequestHeaderMatchInput.getDescriptor())
      .build();

  /** Whether snakeyaml is on the classpath (checked without loading {@link YamlTree}). */
  private static final boolean YAML = present();

  private EnvoyConfigLoader() {}

  private static boolean present() {
    try {
      Class.forName("org.yaml.snakeyaml.Yaml", false, EnvoyConfigLoader.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * Loads a file's {@code static_resources}: from a bootstrap as is; from a resources file, its
   * listeners, clusters and secrets.
   *
   * @throws StaticConfigException naming the file if it cannot be read, is not YAML/JSON, or does
   *     not match the Envoy protos (the message carries protobuf's field-level reason)
   */
  public static StaticResources load(Path file) {
    return loadBootstrap(file).getStaticResources();
  }

  /**
   * Loads a file as a whole Envoy bootstrap (a resources file becomes a bootstrap with only
   * {@code static_resources}).
   *
   * @throws StaticConfigException as {@link #load(Path)}
   */
  public static Bootstrap loadBootstrap(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StaticConfigException(file + ": cannot read: " + e, e);
    }
    return parseBootstrap(text, file.toString());
  }

  /**
   * The file a {@code ConfigSource} names with {@code path_config_source.path} (or the deprecated
   * {@code path}), if any.
   */
  public static java.util.Optional<Path> pathOf(io.envoyproxy.envoy.config.core.v3.ConfigSource source) {
    String path = source.hasPathConfigSource() ? source.getPathConfigSource().getPath() : source.getPath();
    return path.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(Path.of(path));
  }

  /** As {@link #load(Path)}, from text; {@code source} names it in errors. */
  public static StaticResources parse(String yamlOrJson, String source) {
    return parseBootstrap(yamlOrJson, source).getStaticResources();
  }

  /** As {@link #loadBootstrap(Path)}, from text; {@code source} names it in errors. */
  public static Bootstrap parseBootstrap(String yamlOrJson, String source) {
    JsonElement json = YAML ? YamlTree.toJson(yamlOrJson, source) : jsonTree(yamlOrJson, source);
    if (!json.isJsonObject()) {
      throw new StaticConfigException(source + ": expected a mapping at the top level");
    }
    JsonObject map = json.getAsJsonObject();
    try {
      if (map.has("resources")) {
        DiscoveryResponse.Builder r = DiscoveryResponse.newBuilder();
        JsonFormat.parser().usingTypeRegistry(TYPES).merge(normalize(json, r.getDescriptorForType()).toString(), r);
        return Bootstrap.newBuilder().setStaticResources(named(resources(r.build(), source))).build();
      }
      Bootstrap.Builder b = Bootstrap.newBuilder();
      JsonFormat.parser().usingTypeRegistry(TYPES).merge(normalize(json, b.getDescriptorForType()).toString(), b);
      return b.setStaticResources(named(b.getStaticResources())).build();
    } catch (InvalidProtocolBufferException e) {
      throw new StaticConfigException(source + ": " + e.getMessage(), e);
    }
  }

  /** Without snakeyaml: the text must be JSON (which is YAML too). */
  private static JsonElement jsonTree(String text, String source) {
    try {
      return JsonParser.parseString(text);
    } catch (JsonParseException e) {
      throw new StaticConfigException(source + ": not JSON, and reading YAML needs org.yaml:snakeyaml on the"
          + " classpath (an optional dependency of io.bowline:mesh-runtime): " + e.getMessage(), e);
    }
  }

  /**
   * Envoy (whose YAML reader is protobuf's C++ JSON parser) accepts a single value where a list is
   * expected; Java's JsonFormat does not. Wraps such values in a list, following the descriptor
   * (and the {@code "@type"} of {@code Any} values).
   */
  static JsonElement normalize(JsonElement json, Descriptor d) {
    if (!json.isJsonObject() || d.getFullName().startsWith("google.protobuf.")) {
      return json;
    }
    JsonObject o = json.getAsJsonObject();
    for (String key : o.keySet()) {
      FieldDescriptor f = d.findFieldByName(key);
      if (f == null) {
        f = d.getFields().stream().filter(x -> x.getJsonName().equals(key)).findFirst().orElse(null);
      }
      if (f == null || f.isMapField()) {
        continue;
      }
      JsonElement v = o.get(key);
      if (f.isRepeated() && !v.isJsonArray() && !v.isJsonNull()) {
        JsonArray a = new JsonArray();
        a.add(v);
        o.add(key, a);
        v = a;
      }
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (v.isJsonArray()) {
        for (JsonElement item : v.getAsJsonArray()) {
          normalizeMessage(item, f.getMessageType());
        }
      } else {
        normalizeMessage(v, f.getMessageType());
      }
    }
    return o;
  }

  private static void normalizeMessage(JsonElement v, Descriptor type) {
    if (type.getFullName().equals("google.protobuf.Any") && v.isJsonObject() && v.getAsJsonObject().has("@type")) {
      String url = v.getAsJsonObject().get("@type").getAsString();
      Descriptor inner = TYPES.find(url.substring(url.lastIndexOf('/') + 1));
      if (inner != null) {
        normalize(v, inner);
      }
      return;
    }
    normalize(v, type);
  }

  /** Envoy names unnamed listeners itself; we name them {@code <address>:<port>} (or by position). */
  private static StaticResources named(StaticResources sr) {
    StaticResources.Builder b = sr.toBuilder();
    for (int i = 0; i < b.getListenersCount(); i++) {
      var l = b.getListeners(i);
      if (l.getName().isEmpty()) {
        var sa = l.getAddress().getSocketAddress();
        String name = l.getAddress().hasSocketAddress() ? sa.getAddress() + ":" + sa.getPortValue() : "listener_" + i;
        b.setListeners(i, l.toBuilder().setName(name));
      }
    }
    return b.build();
  }

  private static StaticResources resources(DiscoveryResponse r, String source) throws InvalidProtocolBufferException {
    StaticResources.Builder out = StaticResources.newBuilder();
    for (int i = 0; i < r.getResourcesCount(); i++) {
      Any any = r.getResources(i);
      String type = any.getTypeUrl().substring(any.getTypeUrl().lastIndexOf('/') + 1);
      switch (type) {
        case "envoy.config.listener.v3.Listener" ->
            out.addListeners(any.unpack(io.envoyproxy.envoy.config.listener.v3.Listener.class));
        case "envoy.config.cluster.v3.Cluster" ->
            out.addClusters(any.unpack(io.envoyproxy.envoy.config.cluster.v3.Cluster.class));
        default -> throw new StaticConfigException(source + ": resources[" + i + "]: type " + any.getTypeUrl()
            + " is not a listener or cluster");
      }
    }
    return out.build();
  }
}
