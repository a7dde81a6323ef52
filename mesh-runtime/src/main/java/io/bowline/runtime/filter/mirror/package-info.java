/**
 * Request shadowing ({@code request_mirror_policies}) as a filter of the exchange pipeline, over
 * an adapter's {@link io.bowline.runtime.filter.mirror.ShadowSender}. No transport imports.
 */
package io.bowline.runtime.filter.mirror;
