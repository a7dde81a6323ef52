package io.bowline.runtime.bootstrap;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the gRPC xDS bootstrap JSON (gRFC A27; {@code authorities} A47; {@code certificate_providers}
 * A29; {@code server_features} A53/A71). Unknown top-level fields are ignored, as grpc-java does.
 * Every error is a {@link BootstrapException} naming the source and the field.
 */
public final class BootstrapParser {
  private BootstrapParser() {}

  /**
   * @param json the bootstrap JSON text
   * @param source where it came from, used in error messages
   * @throws BootstrapException if the JSON is malformed or a field is missing or of the wrong type
   */
  public static Bootstrap parse(String json, String source) {
    JsonObject root;
    try {
      JsonElement e = JsonParser.parseString(json);
      if (!e.isJsonObject()) {
        throw new BootstrapException(source + ": the bootstrap must be a JSON object");
      }
      root = e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new BootstrapException(source + ": not valid JSON: " + e.getMessage(), e);
    }
    Fields f = new Fields(source);
    List<ServerInfo> servers = servers(f, f.array(root, "xds_servers", ""), "xds_servers");
    if (servers.isEmpty()) {
      throw f.error("xds_servers", "must list at least one server");
    }
    Node node = root.has("node") ? node(f, f.object(root, "node", "")) : null;
    Map<String, CertificateProviderInfo> providers = new LinkedHashMap<>();
    if (root.has("certificate_providers")) {
      JsonObject cp = f.object(root, "certificate_providers", "");
      for (String name : cp.keySet()) {
        String at = "certificate_providers." + name;
        JsonObject p = f.object(cp, name, "certificate_providers.");
        String plugin = f.string(p, "plugin_name", at + ".");
        if (plugin == null || plugin.isEmpty()) {
          throw f.error(at + ".plugin_name", "is required");
        }
        String config = p.has("config") ? f.object(p, "config", at + ".").toString() : "{}";
        providers.put(name, new CertificateProviderInfo(plugin, config));
      }
    }
    Map<String, AuthorityInfo> authorities = new LinkedHashMap<>();
    if (root.has("authorities")) {
      JsonObject a = f.object(root, "authorities", "");
      for (String name : a.keySet()) {
        String at = "authorities." + name;
        JsonObject entry = f.object(a, name, "authorities.");
        String template = orEmpty(f.string(entry, "client_listener_resource_name_template", at + "."));
        String prefix = "xdstp://" + name + "/";
        if (!template.isEmpty() && !template.startsWith(prefix)) {
          throw f.error(at + ".client_listener_resource_name_template", "must start with \"" + prefix + "\"");
        }
        List<ServerInfo> s = entry.has("xds_servers")
            ? servers(f, f.array(entry, "xds_servers", at + "."), at + ".xds_servers") : List.of();
        authorities.put(name, new AuthorityInfo(template, s));
      }
    }
    String serverTemplate = orEmpty(f.string(root, "server_listener_resource_name_template", ""));
    String clientTemplate = f.string(root, "client_default_listener_resource_name_template", "");
    return new Bootstrap(servers, node, providers, serverTemplate, clientTemplate == null ? "%s" : clientTemplate,
        authorities, source);
  }

  private static List<ServerInfo> servers(Fields f, JsonArray array, String at) {
    if (array == null) {
      throw f.error(at, "is required");
    }
    List<ServerInfo> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String here = at + "[" + i + "]";
      if (!array.get(i).isJsonObject()) {
        throw f.error(here, "must be an object");
      }
      JsonObject s = array.get(i).getAsJsonObject();
      String uri = f.string(s, "server_uri", here + ".");
      if (uri == null || uri.isBlank()) {
        throw f.error(here + ".server_uri", "is required");
      }
      String unixProblem = UnixSocketUri.problem(uri);
      if (unixProblem != null) {
        throw f.error(here + ".server_uri", "\"" + uri + "\": " + unixProblem);
      }
      JsonArray creds = f.array(s, "channel_creds", here + ".");
      if (creds == null || creds.isEmpty()) {
        throw f.error(here + ".channel_creds", "is required and must not be empty");
      }
      String chosen = null;
      List<String> offered = new ArrayList<>();
      for (int c = 0; c < creds.size(); c++) {
        if (!creds.get(c).isJsonObject()) {
          throw f.error(here + ".channel_creds[" + c + "]", "must be an object");
        }
        String type = f.string(creds.get(c).getAsJsonObject(), "type", here + ".channel_creds[" + c + "].");
        if (type == null) {
          throw f.error(here + ".channel_creds[" + c + "].type", "is required");
        }
        offered.add(type);
        if (chosen == null && ServerInfo.SUPPORTED_CREDS.contains(type)) {
          chosen = type;
        }
      }
      if (chosen == null) {
        throw f.error(here + ".channel_creds", "no supported type among " + offered
            + "; supported: " + ServerInfo.SUPPORTED_CREDS);
      }
      Set<String> features = new LinkedHashSet<>();
      JsonArray fa = f.array(s, "server_features", here + ".");
      if (fa != null) {
        for (int k = 0; k < fa.size(); k++) {
          JsonElement e = fa.get(k);
          if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw f.error(here + ".server_features[" + k + "]", "must be a string");
          }
          features.add(e.getAsString());
        }
      }
      out.add(new ServerInfo(uri, chosen, features));
    }
    return out;
  }

  private static Node node(Fields f, JsonObject json) {
    Node.Builder b = Node.newBuilder();
    try {
      // The bootstrap's node uses the proto's JSON names (id, cluster, metadata, locality{region, zone, sub_zone}).
      JsonFormat.parser().ignoringUnknownFields().merge(json.toString(), b);
    } catch (InvalidProtocolBufferException e) {
      throw f.error("node", e.getMessage());
    }
    return b.build();
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  /** Typed field access with errors that name the source and the field path. */
  private record Fields(String source) {
    BootstrapException error(String field, String problem) {
      return new BootstrapException(source + ": " + field + ": " + problem);
    }

    String string(JsonObject o, String name, String prefix) {
      JsonElement e = o.get(name);
      if (e == null || e.isJsonNull()) {
        return null;
      }
      if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
        throw error(prefix + name, "must be a string, got " + e);
      }
      return e.getAsString();
    }

    JsonArray array(JsonObject o, String name, String prefix) {
      JsonElement e = o.get(name);
      if (e == null || e.isJsonNull()) {
        return null;
      }
      if (!e.isJsonArray()) {
        throw error(prefix + name, "must be an array");
      }
      return e.getAsJsonArray();
    }

    JsonObject object(JsonObject o, String name, String prefix) {
      JsonElement e = o.get(name);
      if (e == null || !e.isJsonObject()) {
        throw error(prefix + name, "must be an object");
      }
      return e.getAsJsonObject();
    }
  }
}
