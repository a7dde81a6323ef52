package io.bowline.proxy.cli;

import java.io.IOException;
import java.io.InputStream;

/**
 * The class loader the command line is parsed in: it defines picocli's classes and {@link ProxyCli}'s itself (from
 * the parent's class files) and leaves every other class to its parent. Once nothing refers to it, the class
 * loader, picocli's classes and their metadata are unloaded at the next full collection; {@link ProxySettings}, a
 * parent's class holding JDK types only, is what outlives it.
 */
final class ParserClassLoader extends ClassLoader {
  static {
    registerAsParallelCapable();
  }

  /** Binary names of what this loader defines: picocli, and the command class with its nested classes. */
  private static final String PICOCLI = "picocli.";
  private static final String COMMAND = "io.bowline.proxy.cli.ProxyCli";

  ParserClassLoader(ClassLoader parent) {
    super("bowline-proxy-cli", parent);
  }

  /** Whether this loader defines {@code name} (a binary class name) rather than its parent. */
  static boolean definesHere(String name) {
    return name.startsWith(PICOCLI) || name.equals(COMMAND) || name.startsWith(COMMAND + "$");
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (!definesHere(name)) {
      return super.loadClass(name, resolve);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> c = findLoadedClass(name);
      if (c == null) {
        c = findClass(name);
      }
      if (resolve) {
        resolveClass(c);
      }
      return c;
    }
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    if (!definesHere(name)) {
      throw new ClassNotFoundException(name);
    }
    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
      if (in == null) {
        throw new ClassNotFoundException(name);
      }
      byte[] b = in.readAllBytes();
      return defineClass(name, b, 0, b.length);
    } catch (IOException e) {
      throw new ClassNotFoundException(name, e);
    }
  }
}
