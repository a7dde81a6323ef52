/** Name resolution for LOGICAL_DNS and STRICT_DNS clusters. */
package io.bowline.runtime.dns;
