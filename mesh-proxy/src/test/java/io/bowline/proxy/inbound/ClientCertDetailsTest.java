package io.bowline.proxy.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.runtime.inbound.PeerIdentity;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Envoy's {@code x-forwarded-client-cert} under Istio's sidecar inbound settings ({@code APPEND_FORWARD}; subject,
 * URI and DNS details), element by element as {@code ConnectionManagerUtility::mutateXfccRequestHeader} writes it.
 */
class ClientCertDetailsTest {
  private static final String OWN = "spiffe://cluster.local/ns/default/sa/httpbin";
  private static final String HASH = "468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688";
  private static final PeerIdentity SLEEP = new PeerIdentity(List.of("spiffe://cluster.local/ns/default/sa/sleep"),
      List.of(), "", "1");

  @Test
  void anElementIsByHashSubjectUriThenEachDnsSanInThatOrder() {
    PeerIdentity peer = new PeerIdentity(List.of("spiffe://cluster.local/ns/foo/sa/bar", "spiffe://other/x"),
        List.of("a.example.com", "b.example.com"), "CN=Test Client,OU=Lyft", "2");
    assertThat(ClientCertDetails.element(OWN, HASH, peer)).isEqualTo("By=" + OWN + ";Hash=" + HASH
        + ";Subject=\"CN=Test Client,OU=Lyft\";URI=spiffe://cluster.local/ns/foo/sa/bar;DNS=a.example.com;DNS=b.example.com");
  }

  @Test
  void subjectAndUriAreWrittenEvenWhenEmptyAndByOnlyWhenTheProxyHasAUriSan() {
    PeerIdentity dnsOnly = new PeerIdentity(List.of(), List.of("client.example.com"), "", "3");
    assertThat(ClientCertDetails.element("", HASH, dnsOnly))
        .isEqualTo("Hash=" + HASH + ";Subject=\"\";URI=;DNS=client.example.com");
  }

  @Test
  void onMutualTlsTheElementIsAppendedToWhatTheClientSentAfterAComma() {
    HttpHeaders h = new DefaultHttpHeaders();
    h.add("X-Forwarded-Client-Cert", "By=spiffe://cluster.local/ns/default/sa/sleep;URI=spiffe://x");
    ClientCertDetails.apply(h, new InboundConnection.Identity(SLEEP, HASH, OWN, ""));
    assertThat(h.getAll(ClientCertDetails.HEADER)).containsExactly("By=spiffe://cluster.local/ns/default/sa/sleep;"
        + "URI=spiffe://x,By=" + OWN + ";Hash=" + HASH + ";Subject=\"\";URI=spiffe://cluster.local/ns/default/sa/sleep");
  }

  @Test
  void withoutAClientCertificateAClientSuppliedHeaderIsRemoved() {
    HttpHeaders h = new DefaultHttpHeaders();
    h.add(ClientCertDetails.HEADER, "By=" + OWN + ";URI=spiffe://cluster.local/ns/default/sa/admin");
    ClientCertDetails.apply(h, new InboundConnection.Identity(null, "", OWN, ""));
    assertThat(h.contains(ClientCertDetails.HEADER)).isFalse();
  }
}
