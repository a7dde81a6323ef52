/** HTTP/2 on the proxy's listeners: prior-knowledge h2c detection and the per-stream pipeline (no mesh types). */
package io.bowline.proxy.http2;
