package io.bowline.runtime.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.bowline.runtime.testing.EnvoyResources;
import io.bowline.runtime.xds.resource.ClusterResourceType;
import io.bowline.runtime.xds.resource.EndpointResourceType;
import io.bowline.runtime.xds.resource.ListenerResourceType;
import io.bowline.runtime.xds.resource.ResourceType;
import io.bowline.runtime.xds.resource.RouteConfigurationResourceType;
import io.bowline.runtime.xds.resource.SecretResourceType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Thousands of random and mutated resources through the decoder and the parsers: no exception
 * escapes, and every rejection names the type and the resource, and (for a resource whose name
 * could be read) the field. The cases come from a fixed seed, so a failure names its case and repeats.
 */
class ResourceDecoderPropertiesTest {
  private static final int TRIES = 2000;
  private static final List<ResourceType<?, ?>> TYPES = List.of(
      new ListenerResourceType(), new RouteConfigurationResourceType(),
      new ClusterResourceType(), new EndpointResourceType(), new SecretResourceType(), new ClusterResourceType());
  private static final String FQDN = "a.default.svc.cluster.local";
  private static final List<Message> SEEDS = List.of(
      EnvoyResources.listener(FQDN, 80),
      EnvoyResources.routes(FQDN, 80,
          EnvoyResources.toCluster(EnvoyResources.prefix("/v1"), "c1"),
          EnvoyResources.weighted(EnvoyResources.headerExact("x-user", "jason"), "c1", 30, "c2", 70)),
      EnvoyResources.edsCluster("outbound|80||" + FQDN, Cluster.LbPolicy.ROUND_ROBIN),
      EnvoyResources.endpoints("outbound|80||" + FQDN, 8080, 8081),
      io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.newBuilder().setName("s")
          .setValidationContext(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.newBuilder()
              .setTrustedCa(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder().setInlineString("CA"))
              .addMatchTypedSubjectAltNames(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher.newBuilder()
                  .setSanType(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher.SanType.DNS)
                  .setMatcher(io.envoyproxy.envoy.type.matcher.v3.StringMatcher.newBuilder().setExact("b")))).build(),
      Cluster.newBuilder().setName("agg").setClusterType(Cluster.CustomClusterType.newBuilder()
          .setName("envoy.clusters.aggregate")
          .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig.newBuilder()
              .addClusters("x").addClusters("y").build()))).build());
  /** "<Type> '<name>': <field path>: <problem>". */
  private static final Pattern NAMED = Pattern.compile(
      "^(Listener|RouteConfiguration|Cluster|ClusterLoadAssignment|Secret) '.*': (?!invalid: )[a-z_][a-z0-9_.\\[\\]]*: .+", Pattern.DOTALL);
  /** "<Type> resources[<i>]: <problem>" for a resource whose name could not be read. */
  private static final Pattern UNNAMED = Pattern.compile(
      "^(Listener|RouteConfiguration|Cluster|ClusterLoadAssignment|Secret) resources\\[0]: .+", Pattern.DOTALL);

  private final ResourceDecoder decoder = new ResourceDecoder();

  @Test
  void mutatedBytesNeverEscapeAndEveryRejectIsNamed() {
    Random cases = new Random(20);
    for (int i = 0; i < TRIES; i++) {
      int seedIndex = cases.nextInt(SEEDS.size());
      long seed = cases.nextLong();
      Message base = SEEDS.get(seedIndex);
      byte[] bytes = mutate(base.toByteArray(), new Random(seed));
      Any any = Any.newBuilder().setTypeUrl(Any.pack(base).getTypeUrl()).setValue(ByteString.copyFrom(bytes)).build();
      check("case " + i + " (seed " + seedIndex + ", " + seed + ")", TYPES.get(seedIndex), any);
    }
  }

  @Test
  void randomlyFilledResourcesNeverEscapeAndEveryRejectIsNamed() {
    Random cases = new Random(21);
    for (int i = 0; i < TRIES; i++) {
      int seedIndex = cases.nextInt(SEEDS.size());
      long seed = cases.nextLong();
      Message.Builder b = SEEDS.get(seedIndex).toBuilder();
      fill(b, new Random(seed), 0);
      check("case " + i + " (seed " + seedIndex + ", " + seed + ")", TYPES.get(seedIndex), Any.pack(b.build()));
    }
  }

  private void check(String which, ResourceType<?, ?> type, Any any) {
    ResourceDecoder.Decoded d = new ResourceDecoder.Decoded();
    decoder.decode(type, any, null, 0, d);
    assertThat(d.accepted.size() + d.rejected.size() + d.unnamed).as(which).isEqualTo(1);
    for (String error : d.errors) {
      assertThat(NAMED.matcher(error).matches() || UNNAMED.matcher(error).matches())
          .as("%s names resource and field: %s", which, error).isTrue();
    }
    d.rejected.values().forEach(e -> assertThat(e).as(which).matches(NAMED));
  }

  private static byte[] mutate(byte[] in, Random r) {
    byte[] out = in.clone();
    int edits = 1 + r.nextInt(4);
    for (int i = 0; i < edits && out.length > 0; i++) {
      int pos = r.nextInt(out.length);
      switch (r.nextInt(4)) {
        case 0 -> out[pos] = (byte) r.nextInt(256);
        case 1 -> out[pos] ^= (byte) (1 << r.nextInt(8));
        case 2 -> out = java.util.Arrays.copyOf(out, pos);
        default -> {
          byte[] grown = new byte[out.length + 1];
          System.arraycopy(out, 0, grown, 0, pos);
          grown[pos] = (byte) r.nextInt(256);
          System.arraycopy(out, pos, grown, pos + 1, out.length - pos);
          out = grown;
        }
      }
    }
    return out;
  }

  private static final String[] STRINGS = {"", "a", "outbound|80||" + FQDN, "*", "/", "[", "(.*", "x-user",
      "\u00e9\u0000", "127.0.0.1", "::1", "not an ip", "type.googleapis.com/unknown"};

  /** Sets a few random fields (recursively, up to depth 4) to random values. */
  private static void fill(Message.Builder b, Random r, int depth) {
    List<FieldDescriptor> fields = b.getDescriptorForType().getFields();
    if (fields.isEmpty()) {
      return;
    }
    int n = 1 + r.nextInt(3);
    for (int i = 0; i < n; i++) {
      FieldDescriptor f = fields.get(r.nextInt(fields.size()));
      if (f.isMapField()) {
        continue;
      }
      Object v = value(b, f, r, depth);
      if (v == null) {
        continue;
      }
      if (f.isRepeated()) {
        b.addRepeatedField(f, v);
      } else {
        b.setField(f, v);
      }
    }
  }

  private static Object value(Message.Builder b, FieldDescriptor f, Random r, int depth) {
    switch (f.getJavaType()) {
      case STRING:
        return STRINGS[r.nextInt(STRINGS.length)];
      case INT:
        return r.nextBoolean() ? r.nextInt(100) : r.nextInt();
      case LONG:
        return r.nextBoolean() ? (long) r.nextInt(100) : r.nextLong();
      case BOOLEAN:
        return r.nextBoolean();
      case FLOAT:
        return r.nextFloat() * 200 - 100;
      case DOUBLE:
        return r.nextDouble() * 200 - 100;
      case BYTE_STRING:
        return ByteString.copyFromUtf8(STRINGS[r.nextInt(STRINGS.length)]);
      case ENUM: {
        EnumDescriptor e = f.getEnumType();
        return e.getValues().get(r.nextInt(e.getValues().size()));
      }
      case MESSAGE: {
        if (depth >= 4) {
          return null;
        }
        Message.Builder child = b.newBuilderForField(f);
        if (child.getDescriptorForType().getFullName().equals("google.protobuf.Any")) {
          Message seed = SEEDS.get(r.nextInt(SEEDS.size()));
          return r.nextBoolean() ? Any.pack(seed) : Any.pack(io.envoyproxy.envoy.extensions.filters.network
              .http_connection_manager.v3.HttpConnectionManager.newBuilder()
              .setRds(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds.newBuilder()
                  .setRouteConfigName(STRINGS[r.nextInt(STRINGS.length)]).setConfigSource(EnvoyResources.ADS))
              .build());
        }
        fill(child, r, depth + 1);
        return child.build();
      }
      default:
        return null;
    }
  }
}
