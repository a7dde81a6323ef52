/**
 * The proxy's gateway role (Istio's ingress and egress gateway): one socket per gateway listener the control
 * plane sends a {@code router~} node, the filter chain chosen by SNI, TLS terminated per chain (SIMPLE, MUTUAL)
 * with the SDS secrets, PASSTHROUGH forwarded as TCP, and HTTP routed by the chain's route configuration
 * through the runtime's pipeline (the proxy's outbound exchange). Never imports the command line.
 */
package io.bowline.proxy.gateway;
