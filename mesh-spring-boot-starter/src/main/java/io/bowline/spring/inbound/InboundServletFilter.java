package io.bowline.spring.inbound;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The servlet (MVC) side of the inbound path: extracts {@code x-request-id} (or makes one) and the
 * trace context headers into an {@link InboundContext}, held as a request attribute and, while the
 * request is served on this thread, as {@link InboundContext#current()}, from which
 * {@link InboundPropagation} passes them to the mesh's outbound calls.
 */
public final class InboundServletFilter extends OncePerRequestFilter {

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    InboundContext context = InboundContext.of(request::getHeader);
    request.setAttribute(InboundContext.ATTRIBUTE, context);
    InboundContext previous = InboundContext.current();
    InboundContext.set(context);
    try {
      chain.doFilter(request, response);
    } finally {
      InboundContext.set(previous);
    }
  }
}
