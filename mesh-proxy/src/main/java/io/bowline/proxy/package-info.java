/**
 * The out-of-process proxy: listeners, Netty transports and limits. Imports mesh-runtime's pipeline, never its adapters.
 */
package io.bowline.proxy;
