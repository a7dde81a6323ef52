/**
 * The admin port's pages. Imports Netty only.
 */
package io.bowline.proxy.admin;
