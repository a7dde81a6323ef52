package io.bowline.runtime.inbound;

import com.google.common.net.InetAddresses;
import io.bowline.api.config.Rbac;
import io.bowline.api.config.Rbac.Permission;
import io.bowline.api.config.Rbac.Principal;
import io.bowline.runtime.routing.HeaderMatch;
import io.bowline.runtime.routing.StringMatch;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A filter chain's {@code envoy.filters.http.rbac} filters compiled once: each filter in order must allow the
 * request (gRFC A41; Istio's {@code ...rbac.DENY} comes before the ALLOW one, so DENY wins). Within a filter, a
 * policy matches when one of its permissions and one of its principals match; policies are tried in name order
 * and the first match is reported. ALLOW without a matching policy denies (an ALLOW filter with no policies denies
 * everything); LOG allows. {@code metadata} matchers never match (gRFC A41); {@code authenticated} without a
 * client certificate is matched as the empty string. Immutable and thread-safe.
 */
public final class RbacEngine {
  /** Allows everything: a chain without RBAC filters. */
  public static final RbacEngine ALLOW_ALL = new RbacEngine(List.of());

  private record CompiledFilter(String name, Rbac.Action action, List<String> policyNames,
      List<Predicate<InboundRequest>> policies) { }

  private final List<CompiledFilter> filters;

  private RbacEngine(List<CompiledFilter> filters) {
    this.filters = filters;
  }

  /**
   * Compiles the filters.
   *
   * @param rbac the chain's RBAC filters, in order
   * @return the engine
   */
  public static RbacEngine compile(List<Rbac> rbac) {
    List<CompiledFilter> out = new ArrayList<>();
    for (Rbac r : rbac) {
      List<String> names = new ArrayList<>();
      List<Predicate<InboundRequest>> policies = new ArrayList<>();
      for (Map.Entry<String, Rbac.Policy> e : r.policies().entrySet()) {
        Predicate<InboundRequest> permission = any(e.getValue().permissions().stream().map(RbacEngine::permission)
            .toList());
        Predicate<InboundRequest> principal = any(e.getValue().principals().stream().map(RbacEngine::principal)
            .toList());
        names.add(e.getKey());
        policies.add(permission.and(principal));
      }
      out.add(new CompiledFilter(r.filterName(), r.action(), List.copyOf(names), List.copyOf(policies)));
    }
    return new RbacEngine(List.copyOf(out));
  }

  /**
   * Runs the filters on {@code request}.
   *
   * @param request the request and its connection
   * @return allowed, or the filter and policy that denied it
   */
  public RbacDecision check(InboundRequest request) {
    for (CompiledFilter f : filters) {
      String matched = null;
      for (int i = 0; i < f.policies.size() && matched == null; i++) {
        if (f.policies.get(i).test(request)) {
          matched = f.policyNames.get(i);
        }
      }
      if (f.action == Rbac.Action.ALLOW && matched == null) {
        return RbacDecision.denied(f.name, "");
      }
      if (f.action == Rbac.Action.DENY && matched != null) {
        return RbacDecision.denied(f.name, matched);
      }
    }
    return RbacDecision.ALLOW;
  }

  private static Predicate<InboundRequest> any(List<Predicate<InboundRequest>> list) {
    return r -> {
      for (Predicate<InboundRequest> p : list) {
        if (p.test(r)) {
          return true;
        }
      }
      return false;
    };
  }

  private static Predicate<InboundRequest> all(List<Predicate<InboundRequest>> list) {
    return r -> {
      for (Predicate<InboundRequest> p : list) {
        if (!p.test(r)) {
          return false;
        }
      }
      return true;
    };
  }

  private static Predicate<InboundRequest> permission(Permission p) {
    if (p instanceof Permission.Any) {
      return r -> true;
    } else if (p instanceof Permission.And and) {
      return all(and.rules().stream().map(RbacEngine::permission).toList());
    } else if (p instanceof Permission.Or or) {
      return any(or.rules().stream().map(RbacEngine::permission).toList());
    } else if (p instanceof Permission.Not not) {
      return permission(not.rule()).negate();
    } else if (p instanceof Permission.Header h) {
      HeaderMatch match = new HeaderMatch(h.matcher());
      return match::matches;
    } else if (p instanceof Permission.UrlPath u) {
      StringMatch match = StringMatch.compile(u.path());
      return r -> match.matches(r.urlPath());
    } else if (p instanceof Permission.DestinationPort d) {
      return r -> r.local().getPort() == d.port();
    } else if (p instanceof Permission.DestinationIp d) {
      return r -> inRange(r.local(), d.range());
    } else if (p instanceof Permission.RequestedServerName n) {
      StringMatch match = StringMatch.compile(n.name());
      return r -> match.matches(r.serverName());
    } else {
      return r -> false; // metadata: never matches in gRPC (gRFC A41)
    }
  }

  private static Predicate<InboundRequest> principal(Principal p) {
    if (p instanceof Principal.Any) {
      return r -> true;
    } else if (p instanceof Principal.And and) {
      return all(and.ids().stream().map(RbacEngine::principal).toList());
    } else if (p instanceof Principal.Or or) {
      return any(or.ids().stream().map(RbacEngine::principal).toList());
    } else if (p instanceof Principal.Not not) {
      return principal(not.id()).negate();
    } else if (p instanceof Principal.Authenticated a) {
      return authenticated(a);
    } else if (p instanceof Principal.Header h) {
      HeaderMatch match = new HeaderMatch(h.matcher());
      return match::matches;
    } else if (p instanceof Principal.UrlPath u) {
      StringMatch match = StringMatch.compile(u.path());
      return r -> match.matches(r.urlPath());
    } else if (p instanceof Principal.DirectRemoteIp d) {
      return r -> inRange(r.remote(), d.range());
    } else if (p instanceof Principal.RemoteIp d) {
      return r -> inRange(r.remote(), d.range());
    } else {
      return r -> false; // metadata: never matches in gRPC (gRFC A41)
    }
  }

  /** URI SANs, then DNS SANs, then the subject; without a certificate the name is {@code ""} (gRFC A41). */
  private static Predicate<InboundRequest> authenticated(Principal.Authenticated a) {
    if (a.principalName() == null) {
      return r -> r.peer() != null;
    }
    StringMatch match = StringMatch.compile(a.principalName());
    return r -> {
      PeerIdentity peer = r.peer();
      if (peer == null) {
        return match.matches("");
      }
      for (String uri : peer.uriSans()) {
        if (match.matches(uri)) {
          return true;
        }
      }
      for (String dns : peer.dnsSans()) {
        if (match.matches(dns)) {
          return true;
        }
      }
      return match.matches(peer.subject());
    };
  }

  private static boolean inRange(InetSocketAddress address, Rbac.Cidr range) {
    InetAddress a = address.getAddress();
    if (a == null || !InetAddresses.isInetAddress(range.addressPrefix())) {
      return false;
    }
    byte[] have = a.getAddress();
    byte[] want = InetAddresses.forString(range.addressPrefix()).getAddress();
    if (have.length != want.length) {
      return false;
    }
    int bits = range.prefixLen() < 0 ? want.length * 8 : Math.min(range.prefixLen(), want.length * 8);
    for (int i = 0; i < bits; i++) {
      int mask = 0x80 >>> (i % 8);
      if ((have[i / 8] & mask) != (want[i / 8] & mask)) {
        return false;
      }
    }
    return true;
  }
}
