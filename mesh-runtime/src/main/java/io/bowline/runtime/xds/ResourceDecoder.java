package io.bowline.runtime.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.bowline.runtime.xds.policy.FieldPolicyChecker;
import io.bowline.runtime.xds.resource.Unpacking;
import io.bowline.runtime.xds.resource.ResourceException;
import io.bowline.runtime.xds.resource.ResourceType;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the resources of one response into accepted values and per-resource errors: unwraps
 * {@code envoy.service.discovery.v3.Resource}, checks the type URL, the name, the
 * supported-field policy ({@link io.bowline.runtime.xds.policy.SupportedFields}) and then the
 * type's parser. Never throws; every error names the type and the resource (by name, or by index
 * when the name cannot be read) and, for a rejected resource, the field.
 */
final class ResourceDecoder {
  private static final Logger log = LoggerFactory.getLogger(ResourceDecoder.class);
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  /** Decoded resources of one response. */
  static final class Decoded {
    final Map<String, Object> accepted = new LinkedHashMap<>();
    final Map<String, String> rejected = new LinkedHashMap<>();
    /** The resources as sent, by name: accepted ones and rejected ones (for config dumps). */
    final Map<String, Any> acceptedRaw = new LinkedHashMap<>();
    final Map<String, Any> rejectedRaw = new LinkedHashMap<>();
    final List<String> errors = new ArrayList<>();
    /** Resources rejected before their name was known: a SotW response with any deletes nothing. */
    int unnamed;
  }

  /**
   * Decodes one resource into {@code d}. Returns the resource's name, or null when the resource
   * could not be decoded far enough to know it.
   *
   * @param wrapperName the delta {@code Resource.name}, or null
   * @param index the resource's position in the response
   */
  <M extends Message> String decode(ResourceType<M, ?> type, Any any, String wrapperName, int index, Decoded d) {
    return decode(type, any, wrapperName, index, d, null);
  }

  /**
   * Like {@link #decode(ResourceType, Any, String, int, Decoded)}, but takes a resource whose bytes are
   * unchanged since the previous response from {@code cache}, and remembers accepted ones there.
   *
   * @param cache the type's cache of the previous response, or null to decode everything
   */
  <M extends Message> String decode(ResourceType<M, ?> type, Any any, String wrapperName, int index, Decoded d,
      DecodeCache cache) {
    DecodeCache.Entry unchanged = cache == null ? null : cache.reuse(any);
    if (unchanged != null) {
      String name = unchanged.name();
      if (d.accepted.containsKey(name) || d.rejected.containsKey(name)) {
        d.errors.add(XdsClient.shortType(type) + " '" + name + "': appears twice in one response");
        return null;
      }
      d.accepted.put(name, unchanged.value());
      d.acceptedRaw.put(name, any);
      return name;
    }
    String name = decodeFully(type, any, wrapperName, index, d);
    if (name != null) {
      (d.accepted.containsKey(name) ? d.acceptedRaw : d.rejectedRaw).putIfAbsent(name, any);
    }
    if (cache != null && name != null && d.accepted.containsKey(name)) {
      cache.keep(any, name, d.accepted.get(name));
    }
    return name;
  }

  private <M extends Message> String decodeFully(ResourceType<M, ?> type, Any any, String wrapperName, int index,
      Decoded d) {
    String shortType = XdsClient.shortType(type);
    String at = shortType + " resources[" + index + "]" + (wrapperName == null || wrapperName.isEmpty()
        ? "" : " '" + wrapperName + "'");
    try {
      if (any.getTypeUrl().equals(TypeUrls.RESOURCE_WRAPPER)) {
        any = Unpacking.unpack(any, Resource.getDescriptor(), Resource.parser()).getResource();
      }
      if (!any.getTypeUrl().equals(type.typeUrl())) {
        return unnamed(d, at + ": type " + any.getTypeUrl() + " does not match the response's " + type.typeUrl());
      }
      M proto = type.unpack(any);
      String name = type.name(proto);
      if (name.isEmpty()) {
        return unnamed(d, at + ": name must not be empty");
      }
      if (d.accepted.containsKey(name) || d.rejected.containsKey(name)) {
        d.errors.add(shortType + " '" + name + "': appears twice in one response");
        return null;
      }
      FieldPolicyChecker.Findings findings = FieldPolicyChecker.check(type.descriptor(), any.getValue());
      if (!findings.rejected().isEmpty()) {
        reject(d, name, shortType + " '" + name + "': " + findings.rejected().get(0)
            + ": not supported by Bowline (field policy: reject)");
        return name;
      }
      for (String field : findings.warned()) {
        String key = shortType + "." + field.replaceAll("\\[\\d+]", "[]");
        if (warned.add(key)) {
          log.warn("{} '{}': {} is not implemented by Bowline and is ignored (logged once per field)",
              shortType, name, field);
        }
      }
      try {
        Object value = type.parse(proto);
        d.accepted.put(name, value == null ? TypeState.IGNORED : value);
      } catch (ResourceException e) {
        reject(d, name, shortType + " '" + name + "': " + e.getMessage());
      } catch (RuntimeException e) {
        reject(d, name, shortType + " '" + name + "': invalid: " + e);
      }
      return name;
    } catch (InvalidProtocolBufferException e) {
      return unnamed(d, at + ": cannot decode: " + e.getMessage());
    } catch (RuntimeException e) {
      return unnamed(d, at + ": invalid: " + e);
    }
  }

  private static void reject(Decoded d, String name, String error) {
    d.rejected.put(name, error);
    d.errors.add(error);
  }

  private static String unnamed(Decoded d, String error) {
    d.errors.add(error);
    d.unnamed++;
    return null;
  }
}
