package io.bowline.spring.inbound;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
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
    String id = request.getHeader(InboundContext.REQUEST_ID);
    Map<String, String> trace = new LinkedHashMap<>();
    for (String name : InboundContext.TRACE_HEADERS) {
      String value = request.getHeader(name);
      if (value != null) {
        trace.put(name, value);
      }
    }
    InboundContext context = new InboundContext(id == null || id.isBlank() ? UUID.randomUUID().toString() : id, Map.copyOf(trace));
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
