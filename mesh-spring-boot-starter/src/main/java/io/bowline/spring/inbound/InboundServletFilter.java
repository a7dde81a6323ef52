package io.bowline.spring.inbound;

import io.bowline.runtime.inbound.InboundRequest;
import io.bowline.runtime.inbound.RbacDecision;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The servlet (MVC) side of the inbound path, as a sidecar's inbound listener handles each request:
 * <ul>
 *   <li>RBAC: the request with the peer identity of its verified client certificate
 *       ({@code jakarta.servlet.request.X509Certificate}) is checked against the AuthorizationPolicies of its port
 *       ({@link InboundGuard}); a denied request is answered {@code 403} {@code RBAC: access denied} and never
 *       reaches the application;
 *   <li>Istio's inbound metrics ({@code reporter="destination"}) when the response ends;
 *   <li>{@code x-request-id} (or a new one) and the trace context headers into an {@link InboundContext}, held as a
 *       request attribute and, while the request is served on this thread, as {@link InboundContext#current()},
 *       from which {@link InboundPropagation} passes them to the mesh's outbound calls.
 * </ul>
 */
public final class InboundServletFilter extends OncePerRequestFilter {
  /** The servlet attribute with the client's verified certificate chain. */
  static final String CERTIFICATES = "jakarta.servlet.request.X509Certificate";

  private final InboundGuard guard;

  /** @param guard the RBAC check and metrics of the application's mesh client, or {@code null} for neither */
  public InboundServletFilter(InboundGuard guard) {
    this.guard = guard;
  }

  /** Propagation only: no RBAC check, no metrics. */
  public InboundServletFilter() {
    this(null);
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long start = System.nanoTime();
    InboundRequest inbound = guard == null ? null : inbound(request);
    if (inbound != null) {
      RbacDecision decision = guard.check(inbound);
      if (decision != null && !decision.allowed()) {
        byte[] body = RbacDecision.DENIED_BODY.getBytes(StandardCharsets.UTF_8);
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setContentType("text/plain");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        guard.record(inbound, HttpServletResponse.SC_FORBIDDEN, InboundGuard.RBAC_FLAG, System.nanoTime() - start,
            0, body.length);
        return;
      }
    }
    InboundContext context = InboundContext.of(request::getHeader);
    request.setAttribute(InboundContext.ATTRIBUTE, context);
    InboundContext previous = InboundContext.current();
    InboundContext.set(context);
    CountingServletExchange counted = inbound == null ? null : new CountingServletExchange(request, response);
    try {
      if (counted == null) {
        chain.doFilter(request, response);
      } else {
        chain.doFilter(counted.request, counted.response);
      }
    } finally {
      InboundContext.set(previous);
      if (counted != null) {
        if (request.isAsyncStarted()) {
          request.getAsyncContext().addListener(new Completion(inbound, counted, start));
        } else {
          guard.record(inbound, response.getStatus(), "", System.nanoTime() - start, counted.requestBytes.get(),
              counted.responseBytes.get());
        }
      }
    }
  }

  /** Records an asynchronous request's metrics when it completes. */
  private final class Completion implements AsyncListener {
    private final InboundRequest inbound;
    private final CountingServletExchange counted;
    private final long start;

    Completion(InboundRequest inbound, CountingServletExchange counted, long start) {
      this.inbound = inbound;
      this.counted = counted;
      this.start = start;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      int status = event.getSuppliedResponse() instanceof HttpServletResponse r ? r.getStatus() : 200;
      guard.record(inbound, status, "", System.nanoTime() - start, counted.requestBytes.get(),
          counted.responseBytes.get());
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      // the container completes a timed-out request, which onComplete records
    }

    @Override
    public void onError(AsyncEvent event) {
      // an error completes the request, which onComplete records
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      event.getAsyncContext().addListener(this);
    }
  }

  /** The request as RBAC sees it: its connection (peer, TLS, addresses) and head. */
  private static InboundRequest inbound(HttpServletRequest request) throws IOException {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String name : Collections.list(request.getHeaderNames())) {
      headers.put(name, Collections.list(request.getHeaders(name)));
    }
    String query = request.getQueryString();
    String host = request.getHeader("host");
    return new InboundRequest(InboundGuard.peer((X509Certificate[]) request.getAttribute(CERTIFICATES)),
        request.isSecure(), "", address(request.getLocalAddr(), request.getLocalPort()),
        address(request.getRemoteAddr(), request.getRemotePort()), request.getMethod(),
        request.getRequestURI() + (query == null ? "" : "?" + query), host == null ? "" : host, headers);
  }

  /** An address from the IP literal the container reports (no name lookup). */
  private static InetSocketAddress address(String ip, int port) throws IOException {
    return new InetSocketAddress(InetAddress.getByName(ip), port);
  }
}
