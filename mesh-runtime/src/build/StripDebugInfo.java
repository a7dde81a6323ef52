import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;

/**
 * A build step of mesh-runtime (run by exec-maven-plugin after the shade plugin, with the Java
 * launcher's source-file mode and ASM on the class path): rewrites the jar given as the only
 * argument in place, dropping the debug attributes (line numbers, local variable names, source
 * file names) of every class that is not Bowline's own, i.e. the Envoy, xDS, validate and Google
 * API classes copied from java-control-plane's api jar. Their code, constants, signatures,
 * annotations and stack map frames are kept unchanged, so every field and message behaves as
 * before; only stack traces through generated proto code lose line numbers. About 1.5 MB of the
 * jar's 7.2 MB. Entries keep their order and timestamps.
 */
public final class StripDebugInfo {
  private StripDebugInfo() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: StripDebugInfo <jar>");
    }
    Path jar = Path.of(args[0]);
    Path tmp = jar.resolveSibling(jar.getFileName() + ".stripping");
    long before = Files.size(jar);
    int stripped = 0;
    try (ZipFile in = new ZipFile(jar.toFile()); OutputStream file = Files.newOutputStream(tmp);
        ZipOutputStream out = new ZipOutputStream(file)) {
      Enumeration<? extends ZipEntry> entries = in.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        byte[] bytes;
        try (InputStream s = in.getInputStream(e)) {
          bytes = s.readAllBytes();
        }
        if (e.getName().endsWith(".class") && !e.getName().startsWith("io/bowline/")) {
          ClassWriter w = new ClassWriter(0);
          new ClassReader(bytes).accept(w, ClassReader.SKIP_DEBUG);
          bytes = w.toByteArray();
          stripped++;
        }
        ZipEntry copy = new ZipEntry(e.getName());
        copy.setTime(e.getTime());
        out.putNextEntry(copy);
        out.write(bytes);
        out.closeEntry();
      }
    }
    Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
    System.out.printf("StripDebugInfo: %d classes of %s without debug attributes, %d -> %d bytes%n",
        stripped, jar.getFileName(), before, Files.size(jar));
  }
}
