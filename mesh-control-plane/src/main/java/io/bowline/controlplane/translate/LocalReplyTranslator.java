package io.bowline.controlplane.translate;

import com.google.protobuf.ByteString;
import io.bowline.controlplane.istio.VirtualService.DirectResponse;
import io.bowline.controlplane.istio.VirtualService.Redirect;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction.RedirectResponseCode;

/**
 * Rules answered without an upstream: Istio {@code HTTPRedirect} → Envoy {@code Route.redirect}
 * ({@code uri} → {@code path_redirect}, {@code authority} → {@code host_redirect}, {@code port} →
 * {@code port_redirect}, {@code scheme} → {@code scheme_redirect}, {@code redirectCode} →
 * {@code response_code}, 301 by default) and {@code HTTPDirectResponse} → {@code Route.direct_response}
 * ({@code status}, {@code body.string} → {@code inline_string}, {@code body.bytes} → {@code inline_bytes}).
 */
final class LocalReplyTranslator {

  private LocalReplyTranslator() {}

  static RedirectAction redirect(Redirect redirect) {
    RedirectAction.Builder action = RedirectAction.newBuilder().setResponseCode(responseCode(redirect));
    if (!redirect.uri().isEmpty()) {
      action.setPathRedirect(redirect.uri());
    }
    if (!redirect.authority().isEmpty()) {
      action.setHostRedirect(redirect.authority());
    }
    if (redirect.port() != 0) {
      action.setPortRedirect(redirect.port());
    }
    if (!redirect.scheme().isEmpty()) {
      action.setSchemeRedirect(redirect.scheme());
    }
    return action.build();
  }

  static DirectResponseAction directResponse(DirectResponse response) {
    DirectResponseAction.Builder action = DirectResponseAction.newBuilder().setStatus(response.status());
    if (!response.bodyBytes().isEmpty()) {
      byte[] bytes = new byte[response.bodyBytes().size()];
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = response.bodyBytes().get(i);
      }
      action.setBody(DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(bytes)));
    } else if (!response.bodyString().isEmpty()) {
      action.setBody(DataSource.newBuilder().setInlineString(response.bodyString()));
    }
    return action.build();
  }

  private static RedirectResponseCode responseCode(Redirect redirect) {
    return switch (redirect.redirectCode()) {
      case 302 -> RedirectResponseCode.FOUND;
      case 303 -> RedirectResponseCode.SEE_OTHER;
      case 307 -> RedirectResponseCode.TEMPORARY_REDIRECT;
      case 308 -> RedirectResponseCode.PERMANENT_REDIRECT;
      default -> RedirectResponseCode.MOVED_PERMANENTLY;
    };
  }
}
