/**
 * The bowline-proxy command line (picocli).
 */
package io.bowline.proxy.cli;
