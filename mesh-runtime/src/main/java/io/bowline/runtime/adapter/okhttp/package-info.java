/**
 * The OkHttp adapter's entry point: {@link io.bowline.runtime.adapter.okhttp.BowlineOkHttp}. Must not
 * import the gRPC adapter or the xDS transport.
 */
package io.bowline.runtime.adapter.okhttp;
