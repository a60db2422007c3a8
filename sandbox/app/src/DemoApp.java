import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stand-in for the Spring Boot app of the field write-up: the parts a deploy depends on
 * (health flip, loopback-only /termination, boot delay, graceful SIGTERM, a real heap) and nothing else.
 */
public final class DemoApp {
  // 256 KiB chunks: with G1's 1 MiB regions a 1 MiB array is "humongous" and wastes a second region.
  private static final int CHUNK = 256 << 10;
  private static final int CHUNKS_PER_MB = (1 << 20) / CHUNK;
  private static final List<byte[]> HELD = new ArrayList<>();
  private static final AtomicInteger IN_FLIGHT = new AtomicInteger();
  private static final java.util.concurrent.atomic.AtomicBoolean CRASH_ARMED =
      new java.util.concurrent.atomic.AtomicBoolean();
  private static volatile boolean terminating;
  private static volatile long terminatedAt;

  public static void main(String[] args) throws Exception {
    int port = envInt("PORT", 8080);
    long bootDelayMs = envInt("BOOT_DELAY_MS", 0);
    long latencyMs = envInt("LATENCY_MS", 0);
    int heapMb = envInt("HEAP_MB", 200);
    int graceSeconds = envInt("GRACE_SECONDS", 30);
    long crashAfterHealthyMs = envInt("CRASH_AFTER_HEALTHY_MS", 0);
    String version = version();
    String host = hostname();
    String pidFile = System.getenv("PID_FILE");
    long pid = ProcessHandle.current().pid();
    if (pidFile != null && !pidFile.isEmpty()) Files.writeString(Path.of(pidFile), pid + "\n");
    log("starting pid=" + pid + " version=" + version + " host=" + host + " heapMb=" + heapMb);

    // Touch every page: untouched allocations would not show up in RSS, and RSS is what the host pays.
    for (int i = 0; i < heapMb * CHUNKS_PER_MB; i++) {
      byte[] chunk = new byte[CHUNK];
      Arrays.fill(chunk, (byte) (i | 1));
      HELD.add(chunk);
    }
    Thread.sleep(bootDelayMs);

    HttpServer server = HttpServer.create(new InetSocketAddress(port), 256);
    // A bounded pool like Tomcat's: long ?ms= requests hold a worker, as they would in the real app.
    ExecutorService pool = Executors.newFixedThreadPool(64);
    server.setExecutor(pool);
    server.createContext("/", counted(ex -> {
      if (!ex.getRequestURI().getPath().equals("/")) {
        send(ex, 404, "not found\n");
        return;
      }
      long ms = queryMs(ex.getRequestURI(), latencyMs);
      if (ms > 0) Thread.sleep(ms);
      send(ex, 200, "version=" + version + " host=" + host + "\n");
    }));
    server.createContext("/version", counted(ex -> send(ex, 200, version + "\n")));
    server.createContext("/health", counted(ex -> {
      if (terminating) send(ex, 502, "TERMINATING\n");
      else send(ex, 200, "UP\n");
      // Fault injection: die (no graceful shutdown) soon after the deploy tool, asking on the
      // host's loopback, first saw it healthy: before a load balancer needing >= 2 checks routes to it.
      if (crashAfterHealthyMs > 0 && !terminating && ex.getRemoteAddress().getAddress().isLoopbackAddress()
          && CRASH_ARMED.compareAndSet(false, true)) {
        log("crashing in " + crashAfterHealthyMs + " ms (CRASH_AFTER_HEALTHY_MS)");
        Thread crash = new Thread(() -> {
          try {
            Thread.sleep(crashAfterHealthyMs);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          Runtime.getRuntime().halt(1);
        }, "crash");
        crash.setDaemon(true);
        crash.start();
      }
    }));
    server.createContext("/termination", counted(ex -> {
      if (!"POST".equals(ex.getRequestMethod())) {
        send(ex, 405, "POST only\n");
        return;
      }
      if (!ex.getRemoteAddress().getAddress().isLoopbackAddress()) {
        send(ex, 403, "loopback only\n");
        return;
      }
      if (!terminating) {
        terminatedAt = System.currentTimeMillis();
        terminating = true;
        log("termination requested: /health now answers 502");
      }
      // The flip time lets a test measure the unhealthy window from the flip itself, not from the SSH round trip.
      ex.getResponseHeaders().set("X-Terminated-At", Long.toString(terminatedAt));
      send(ex, 200, "TERMINATING\n");
    }));

    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(server, graceSeconds), "graceful-shutdown"));
    server.start();
    log("listening on port " + port);
  }

  /**
   * JDK 17's HttpServer.stop(delay) closes the listener at once but then sleeps the whole delay even
   * when nothing is in flight, so it runs on its own thread and this hook returns as soon as the
   * in-flight count reaches zero (or the grace period ends): the JVM then exits with 143.
   */
  private static void shutdown(HttpServer server, int graceSeconds) {
    log("SIGTERM: refusing new connections, in-flight=" + IN_FLIGHT.get() + ", grace=" + graceSeconds + "s");
    Thread stopper = new Thread(() -> server.stop(graceSeconds), "http-stop");
    stopper.setDaemon(true);
    stopper.start();
    long deadline = System.currentTimeMillis() + graceSeconds * 1000L;
    try {
      Thread.sleep(50);
      while (IN_FLIGHT.get() > 0 && System.currentTimeMillis() < deadline) Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log("shutdown done, in-flight=" + IN_FLIGHT.get());
  }

  private interface Handler {
    void handle(HttpExchange ex) throws Exception;
  }

  private static HttpHandler counted(Handler h) {
    return ex -> {
      IN_FLIGHT.incrementAndGet();
      try {
        h.handle(ex);
      } catch (Exception e) {
        send(ex, 500, e + "\n");
      } finally {
        IN_FLIGHT.decrementAndGet();
        ex.close();
      }
    };
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static long queryMs(URI uri, long fallback) {
    String q = uri.getRawQuery();
    if (q == null) return fallback;
    for (String part : q.split("&")) {
      if (part.startsWith("ms=")) {
        try {
          return Math.max(0, Long.parseLong(part.substring(3)));
        } catch (NumberFormatException e) {
          return fallback;
        }
      }
    }
    return fallback;
  }

  private static int envInt(String name, int fallback) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) return fallback;
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
    }
  }

  /** APP_VERSION, else a VERSION file beside the jar or in the release directory above build/. */
  private static String version() {
    String v = System.getenv("APP_VERSION");
    if (v != null && !v.isBlank()) return v.trim();
    try {
      Path jar = Path.of(DemoApp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path dir = Files.isDirectory(jar) ? jar : jar.getParent();
      for (Path d : new Path[] {dir, dir.getParent()}) {
        if (d != null && Files.isRegularFile(d.resolve("VERSION"))) return Files.readString(d.resolve("VERSION")).trim();
      }
    } catch (Exception e) {
      // No code source (e.g. run from a source file): fall through to "dev".
    }
    return "dev";
  }

  /** The UTS hostname (each sandbox host has its own); no DNS lookup, which could hang offline. */
  private static String hostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static void log(String msg) {
    System.out.println(java.time.Instant.now() + " DemoApp " + msg);
    System.out.flush();
  }
}
