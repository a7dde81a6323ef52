package io.bowline.tls.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-written wire codec of {@code istio.v1.auth} CreateCertificate messages. */
class IstioCertificateServiceTest {

  @Test
  void requestRoundTripsCsrAndValidityDuration() throws Exception {
    IstioCertificateRequest request = new IstioCertificateRequest("csr text", 86_400);
    byte[] wire = IstioCertificateService.CREATE_CERTIFICATE.streamRequest(request).readAllBytes();
    assertThat(IstioCertificateService.CREATE_CERTIFICATE.parseRequest(new ByteArrayInputStream(wire)))
        .isEqualTo(request);
  }

  @Test
  void requestParsingSkipsIstioAgentMetadataAndUnknownFields() {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    field(wire, 1, "csr text".getBytes(StandardCharsets.UTF_8));
    field(wire, 2, "subject".getBytes(StandardCharsets.UTF_8)); // subject_id of older Istio versions
    wire.write(3 << 3);
    wire.write(60);
    field(wire, 4, new byte[] {0x0a, 0x00}); // metadata: a google.protobuf.Struct
    wire.write((9 << 3) | 5); // an unknown fixed32
    wire.writeBytes(new byte[4]);
    IstioCertificateRequest parsed =
        IstioCertificateService.CREATE_CERTIFICATE.parseRequest(new ByteArrayInputStream(wire.toByteArray()));
    assertThat(parsed).isEqualTo(new IstioCertificateRequest("csr text", 60));
  }

  @Test
  void responseKeepsTheChainOrderAndTruncationIsAnError() throws Exception {
    IstioCertificateResponse response = new IstioCertificateResponse(List.of("leaf", "intermediate", "root"));
    byte[] wire = IstioCertificateService.CREATE_CERTIFICATE.streamResponse(response).readAllBytes();
    assertThat(IstioCertificateService.CREATE_CERTIFICATE.parseResponse(new ByteArrayInputStream(wire)))
        .isEqualTo(response);
    byte[] truncated = java.util.Arrays.copyOf(wire, wire.length - 2);
    assertThatThrownBy(() -> IstioCertificateService.CREATE_CERTIFICATE.parseResponse(
        new ByteArrayInputStream(truncated))).hasMessageContaining("truncated");
  }

  private static void field(ByteArrayOutputStream out, int number, byte[] value) {
    out.write((number << 3) | 2);
    out.write(value.length);
    out.writeBytes(value);
  }
}
