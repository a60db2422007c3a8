import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Imitates what matters about `./gradlew bootJar` on a small host: it takes a while and holds a lot of
 * memory (the Gradle daemon plus the compiler) before it produces the jar. Run in a release directory:
 * compiles src/*.java (except itself) into build/app.jar with Main-Class DemoApp.
 */
public final class FakeGradle {
  // 256 KiB chunks: with G1's 1 MiB regions a 1 MiB array is "humongous" and wastes a second region.
  private static final int CHUNK = 256 << 10;
  private static final int CHUNKS_PER_MB = (1 << 20) / CHUNK;
  public static void main(String[] args) throws Exception {
    double seconds = 15;
    int mb = 450;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
        case "--mb" -> mb = Integer.parseInt(args[i + 1]);
        default -> fail("unknown option " + args[i] + " (use --seconds S --mb M)");
      }
    }
    long started = System.currentTimeMillis();
    System.out.println("> Task :compileJava (holding " + mb + " MB for " + seconds + " s)");
    List<byte[]> held = new ArrayList<>();
    for (int i = 0; i < mb * CHUNKS_PER_MB; i++) {
      byte[] chunk = new byte[CHUNK];
      Arrays.fill(chunk, (byte) (i | 1));
      held.add(chunk);
    }
    long end = started + (long) (seconds * 1000);
    // Re-touch the pages while "working" so they stay resident, as a busy daemon's heap does.
    for (int round = 0; System.currentTimeMillis() < end; round++) {
      if (!held.isEmpty()) held.get(round % held.size())[round % 4096] ^= 1;
      Thread.sleep(Math.min(100, Math.max(1, end - System.currentTimeMillis())));
    }

    Path cwd = Path.of("").toAbsolutePath();
    // A broken commit fails late, after the memory was spent, as a compile error would.
    if (Files.exists(cwd.resolve("BREAK_BUILD")))
      fail("BREAK_BUILD present in " + cwd + ": failing the build on purpose");

    Path src = cwd.resolve("src");
    List<String> sources;
    try (Stream<Path> s = Files.walk(src)) {
      sources = s.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> !p.getFileName().toString().equals("FakeGradle.java"))
          .map(Path::toString)
          .collect(Collectors.toList());
    }
    if (sources.isEmpty()) fail("no sources under " + src);
    Path classes = cwd.resolve("build/classes");
    deleteTree(classes);
    Files.createDirectories(classes);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) fail("no system Java compiler: run with a JDK, not a JRE");
    List<String> javacArgs = new ArrayList<>(List.of("--release", "17", "-d", classes.toString()));
    javacArgs.addAll(sources);
    if (javac.run(null, null, null, javacArgs.toArray(String[]::new)) != 0) fail("compilation failed");

    Path jar = cwd.resolve("build/app.jar");
    writeJar(classes, jar);
    System.out.println("BUILD SUCCESSFUL in " + (System.currentTimeMillis() - started) + " ms: " + jar
        + " (" + held.size() / CHUNKS_PER_MB + " MB held)");
  }

  private static void writeJar(Path classes, Path jar) throws IOException {
    Manifest mf = new Manifest();
    mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "DemoApp");
    Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
    try (OutputStream file = Files.newOutputStream(tmp); JarOutputStream out = new JarOutputStream(file, mf);
        Stream<Path> s = Files.walk(classes)) {
      for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile).sorted()::iterator) {
        out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
        Files.copy(p, out);
        out.closeEntry();
      }
    }
    // Rename last, so a half-written jar is never taken for a build result.
    Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted((a, b) -> b.compareTo(a))::iterator) Files.delete(p);
    }
  }

  private static void fail(String msg) {
    System.err.println("FAILURE: Build failed: " + msg);
    System.exit(1);
  }
}
