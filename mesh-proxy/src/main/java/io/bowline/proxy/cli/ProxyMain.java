package io.bowline.proxy.cli;

import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar bowline-proxy.jar}: parses the command line ({@link ProxyCli}, picocli) in a class loader of its
 * own ({@link ParserClassLoader}), drops that loader and collects it, so that picocli's classes (about 170, with
 * their metadata and symbols, over 1 MB of the process's memory) do not stay loaded while the proxy runs, then runs
 * the proxy ({@link ProxyRunner}) until SIGTERM or SIGINT. Exit codes and messages are {@link ProxyCli}'s.
 */
public final class ProxyMain {
  /** slf4j-simple's default level, {@code warn} unless given with {@code -D}. */
  static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

  private ProxyMain() {}

  /**
   * Runs the command line and exits with its exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    if (System.getProperty(LOG_LEVEL_PROPERTY) == null) {
      System.setProperty(LOG_LEVEL_PROPERTY, "warn");
    }
    Object parsed = parse(args, new ParserClassLoader(ProxyMain.class.getClassLoader()));
    if (!(parsed instanceof ProxySettings settings)) {
      System.exit((Integer) parsed);
      return;
    }
    // the parser's class loader is unreachable now: a full collection unloads it (the heap is a few MB this early)
    System.gc();
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "bowline-proxy-stop"));
    int code;
    try {
      code = ProxyRunner.run(settings, stop, proxy -> { });
    } catch (Exception e) {
      System.err.println("bowline-proxy: " + ProxyRunner.describe(e));
      System.err.flush();
      code = ProxyCli.CANNOT_RUN;
    }
    System.exit(code);
  }

  /**
   * {@link ProxyCli#parse} in {@code loader}, to which nothing this returns refers.
   *
   * @param args the command line
   * @param loader a new {@link ParserClassLoader}
   * @return {@link ProxySettings}, or the exit code ({@link Integer}) when there is nothing to run
   */
  static Object parse(String[] args, ClassLoader loader) {
    Thread thread = Thread.currentThread();
    ClassLoader context = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try {
      return Class.forName("io.bowline.proxy.cli.ProxyCli", true, loader).getMethod("parse", String[].class)
          .invoke(null, (Object) args);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("bowline-proxy: cannot load its command line", e);
    } finally {
      thread.setContextClassLoader(context);
    }
  }
}
