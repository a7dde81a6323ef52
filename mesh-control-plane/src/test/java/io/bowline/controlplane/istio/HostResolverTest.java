package io.bowline.controlplane.istio;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class HostResolverTest {

  private final HostResolver resolver = new HostResolver("cluster.local", Set.of("default", "prod"));

  @Test
  void shortNamesResolveInTheResourceNamespace() {
    assertThat(resolver.resolve("reviews", "default")).isEqualTo("reviews.default.svc.cluster.local");
    assertThat(resolver.resolve("reviews", "team")).isEqualTo("reviews.team.svc.cluster.local");
    assertThat(resolver.resolve("reviews.default", "default")).isEqualTo("reviews.default.svc.cluster.local");
    assertThat(resolver.resolve("reviews.team", "team")).isEqualTo("reviews.team.svc.cluster.local");
    assertThat(resolver.resolve("reviews.prod", "default")).isEqualTo("reviews.prod.svc.cluster.local");
    assertThat(resolver.resolve("reviews.prod.svc", "default")).isEqualTo("reviews.prod.svc.cluster.local");
  }

  @Test
  void otherNamesAreFqdns() {
    assertThat(resolver.resolve("reviews.default.svc.cluster.local", "prod"))
        .isEqualTo("reviews.default.svc.cluster.local");
    assertThat(resolver.resolve("example.com", "default")).isEqualTo("example.com");
    assertThat(resolver.resolve("www.googleapis.com", "default")).isEqualTo("www.googleapis.com");
    assertThat(resolver.resolve("*.example.com", "default")).isEqualTo("*.example.com");
  }

  @Test
  void aClusterDomainCanBeConfigured() {
    HostResolver custom = new HostResolver("corp.internal", Set.of());
    assertThat(custom.resolve("reviews", "default")).isEqualTo("reviews.default.svc.corp.internal");
    assertThat(custom.aliases("reviews.default.svc.corp.internal"))
        .containsExactly("reviews.default.svc.corp.internal", "reviews.default.svc", "reviews.default", "reviews");
  }

  @Test
  void aliasesAreTheKubernetesShortNamesOnly() {
    assertThat(resolver.aliases("reviews.default.svc.cluster.local"))
        .containsExactly("reviews.default.svc.cluster.local", "reviews.default.svc", "reviews.default", "reviews");
    assertThat(resolver.aliases("www.example.com")).containsExactly("www.example.com");
    assertThat(resolver.aliases("a.b.c.svc.cluster.local")).containsExactly("a.b.c.svc.cluster.local");
  }
}
