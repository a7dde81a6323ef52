package io.bowline.api.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One {@code envoy.filters.http.rbac} filter ({@code extensions.filters.http.rbac.v3.RBAC.rules}, a
 * {@code config.rbac.v3.RBAC}): a policy matches when any of its permissions and any of its principals match;
 * {@link Action#ALLOW} allows exactly the requests some policy matches (no policy: deny all), {@link Action#DENY}
 * denies them, {@link Action#LOG} allows all. Matchers follow gRFC A41 where gRPC and Envoy differ.
 *
 * @param filterName the HTTP filter's {@code name}, e.g. {@code envoy.filters.http.rbac.DENY}
 * @param action {@code rules.action}
 * @param policies {@code rules.policies} by name, in the order they are checked (by name, as a sorted map)
 */
public record Rbac(String filterName, Action action, Map<String, Policy> policies) {

  /**
   * Checks the components and keeps an immutable, name-ordered copy of the policies.
   *
   * @throws NullPointerException if a component is null
   * @param filterName see the record component
   * @param action see the record component
   * @param policies see the record component
   */
  public Rbac {
    Objects.requireNonNull(filterName, "filterName");
    Objects.requireNonNull(action, "action");
    policies = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(policies));
  }

  /** {@code RBAC.Action}. */
  public enum Action {
    /** Allow what some policy matches, deny the rest. */
    ALLOW,
    /** Deny what some policy matches, allow the rest. */
    DENY,
    /** Allow everything (a match is only logged). */
    LOG
  }

  /**
   * {@code config.rbac.v3.Policy}.
   *
   * @param permissions any-of: what the request does
   * @param principals any-of: who sends it
   */
  public record Policy(List<Permission> permissions, List<Principal> principals) {
    /**
     * Keeps immutable copies.
     *
     * @param permissions see the record component
     * @param principals see the record component
     */
    public Policy {
      permissions = List.copyOf(permissions);
      principals = List.copyOf(principals);
    }
  }

  /**
   * An IP range, {@code config.core.v3.CidrRange}.
   *
   * @param addressPrefix {@code address_prefix}, e.g. {@code 10.0.0.0}
   * @param prefixLen {@code prefix_len}, or -1 when unset (the address's full length)
   */
  public record Cidr(String addressPrefix, int prefixLen) {
    /**
     * Checks the prefix.
     *
     * @param addressPrefix {@code address_prefix}
     * @param prefixLen {@code prefix_len}, or -1
     * @throws NullPointerException if the prefix is null
     */
    public Cidr {
      Objects.requireNonNull(addressPrefix, "addressPrefix");
    }
  }

  /** {@code config.rbac.v3.Permission}: what a request does. */
  public sealed interface Permission {
    /** {@code any: true}. */
    record Any() implements Permission { }

    /** {@code and_rules}: all must match. @param rules the rules */
    record And(List<Permission> rules) implements Permission {
      /**
       * Keeps an immutable copy.
       *
       * @param rules see the record component
       */
      public And {
        rules = List.copyOf(rules);
      }
    }

    /** {@code or_rules}. @param rules one must match */
    record Or(List<Permission> rules) implements Permission {
      /**
       * Keeps an immutable copy.
       *
       * @param rules see the record component
       */
      public Or {
        rules = List.copyOf(rules);
      }
    }

    /** {@code not_rule}. @param rule must not match */
    record Not(Permission rule) implements Permission { }

    /** {@code header}, pseudo-headers {@code :method}, {@code :path}, {@code :authority} included. @param matcher the header matcher */
    record Header(HeaderMatcher matcher) implements Permission { }

    /** {@code url_path}: the path without query. @param path the path matcher */
    record UrlPath(StringMatcher path) implements Permission { }

    /** {@code destination_port}. @param port the local port */
    record DestinationPort(int port) implements Permission { }

    /** {@code destination_ip}. @param range the local address range */
    record DestinationIp(Cidr range) implements Permission { }

    /** {@code requested_server_name}: the SNI. @param name the SNI matcher */
    record RequestedServerName(StringMatcher name) implements Permission { }

    /** {@code metadata}: never matches, as in gRPC (gRFC A41: no dynamic metadata). @param field what it named */
    record Metadata(String field) implements Permission { }
  }

  /** {@code config.rbac.v3.Principal}: who sends a request. */
  public sealed interface Principal {
    /** {@code any: true}. */
    record Any() implements Principal { }

    /** {@code and_ids}. @param ids all must match */
    record And(List<Principal> ids) implements Principal {
      /**
       * Keeps an immutable copy.
       *
       * @param ids see the record component
       */
      public And {
        ids = List.copyOf(ids);
      }
    }

    /** {@code or_ids}. @param ids one must match */
    record Or(List<Principal> ids) implements Principal {
      /**
       * Keeps an immutable copy.
       *
       * @param ids see the record component
       */
      public Or {
        ids = List.copyOf(ids);
      }
    }

    /** {@code not_id}. @param id must not match */
    record Not(Principal id) implements Principal { }

    /**
     * {@code authenticated.principal_name}, matched against the peer certificate's URI SANs, then DNS SANs, then
     * subject (gRFC A41); a plaintext peer matches as {@code ""}.
     *
     * @param principalName the matcher, or {@code null} for any authenticated peer
     */
    record Authenticated(StringMatcher principalName) implements Principal { }

    /** {@code header}. @param matcher the header matcher */
    record Header(HeaderMatcher matcher) implements Principal { }

    /** {@code url_path}. @param path the path matcher */
    record UrlPath(StringMatcher path) implements Principal { }

    /** {@code direct_remote_ip} (and the deprecated {@code source_ip}). @param range the peer address range */
    record DirectRemoteIp(Cidr range) implements Principal { }

    /** {@code remote_ip}: the peer address (no proxy protocol or XFF here). @param range the address range */
    record RemoteIp(Cidr range) implements Principal { }

    /** {@code metadata}: never matches, as in gRPC (gRFC A41). @param field what it named */
    record Metadata(String field) implements Principal { }
  }
}
