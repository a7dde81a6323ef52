/**
 * The OkHttp adapter: {@link io.bowline.runtime.adapter.okhttp.BowlineOkHttp}, an application interceptor
 * that runs calls through the pipeline on the caller's thread, and its transport. Must not import another
 * adapter or the xDS transport.
 */
package io.bowline.runtime.adapter.okhttp;
