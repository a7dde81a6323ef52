package io.bowline.controlplane.istio;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The kinds and apiVersions Bowline knows: those it translates, and well-known Kubernetes and Istio kinds it
 * deliberately ignores. Anything else is probably a typo, and {@link #didYouMean} names the known kind it is
 * closest to (ignoring case and surrounding spaces, or within two edits).
 */
final class KindNames {

  /** Kinds that are translated, or read for their labels. */
  private static final List<String> TRANSLATED = List.of("VirtualService", "DestinationRule", "ServiceEntry",
      "WorkloadEntry", "Sidecar", "PeerAuthentication", "AuthorizationPolicy", "Service", "Deployment", "Gateway",
      "Secret", "Telemetry");

  /** Kinds that commonly sit beside Istio configuration and have no meaning here. */
  private static final Set<String> KNOWN_UNTRANSLATED = Set.of("EnvoyFilter", "RequestAuthentication",
      "ProxyConfig", "WasmPlugin", "WorkloadGroup", "ServiceAccount", "ConfigMap",
      "Namespace", "Pod", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Ingress",
      "HorizontalPodAutoscaler", "PodDisruptionBudget", "Role", "RoleBinding", "ClusterRole",
      "ClusterRoleBinding", "NetworkPolicy", "Endpoints", "EndpointSlice", "CustomResourceDefinition",
      "PersistentVolumeClaim", "HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "ReferenceGrant",
      "GatewayClass", "List");

  /** {@code version} or {@code group/version}, as Kubernetes spells them ({@code v1}, {@code v1beta1}). */
  private static final Pattern API_VERSION = Pattern.compile(
      "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?v[0-9]+((alpha|beta)[0-9]+)?");

  private KindNames() {}

  /** Whether {@code apiVersion} is well-formed: {@code v1}, or a DNS group, a slash and a version. */
  static boolean isApiVersion(String apiVersion) {
    return apiVersion.length() <= 253 && API_VERSION.matcher(apiVersion).matches();
  }

  /** Whether {@code kind} is a kind Bowline knows: one it translates, or a well-known one it ignores. */
  static boolean isKnown(String kind) {
    return KNOWN_UNTRANSLATED.contains(kind) || TRANSLATED.contains(kind);
  }

  /** The known kind {@code kind} most probably means, if one is close enough. */
  static Optional<String> didYouMean(String kind) {
    String wanted = kind.strip().toLowerCase(Locale.ROOT);
    if (wanted.isEmpty() || wanted.length() > 64) {
      return Optional.empty();
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String known : Stream.concat(TRANSLATED.stream(), KNOWN_UNTRANSLATED.stream().sorted()).toList()) {
      int distance = distance(wanted, known.toLowerCase(Locale.ROOT));
      if (distance < bestDistance) {
        best = known;
        bestDistance = distance;
      }
    }
    return bestDistance <= Math.min(2, wanted.length() / 4) ? Optional.ofNullable(best) : Optional.empty();
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
