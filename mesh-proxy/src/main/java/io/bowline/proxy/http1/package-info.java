/**
 * A strict HTTP/1.1 request decoder (request-smuggling defence). Imports Netty only; no mesh types.
 */
package io.bowline.proxy.http1;
