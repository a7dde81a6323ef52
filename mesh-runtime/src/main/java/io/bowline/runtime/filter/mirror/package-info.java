/**
 * Request shadowing ({@code request_mirror_policies}) as a filter: its bounded executor, meters and connect
 * back-off, over an adapter's {@link io.bowline.runtime.filter.mirror.ShadowSender}. Must not import
 * adapters or the router.
 */
package io.bowline.runtime.filter.mirror;
