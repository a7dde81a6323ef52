/**
 * Small lock-free helpers shared by the data path, such as an identity-keyed cache of compiled forms.
 * Imports nothing of the runtime.
 */
package io.bowline.runtime.common;
