package dev.ferry.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code curl} binary; tests using it need it installed (see {@link #assumeInstalled}). */
public final class Curl {
    /** What curl printed: the body, then the status and content type from {@code -w}. */
    public record Result(int status, String contentType, String body) {
    }

    private Curl() {
    }

    /** Skips the calling test (fails it when every test must run, see {@link Prerequisites}) unless curl is found. */
    public static void assumeInstalled() {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            found |= !dir.isEmpty() && Files.isExecutable(Path.of(dir, "curl"));
        }
        Prerequisites.require(found, "curl is not installed (Debian package curl)");
    }

    /** Runs {@code curl -sS -w ... ARGS} and parses the status line it prints last. */
    public static Result run(String... args) throws IOException, InterruptedException {
        return runAs(List.of(), args);
    }

    /**
     * Runs {@code PREFIX curl -sS -w ... ARGS} (a prefix such as {@code setpriv --reuid=65534 ...} runs it as another
     * user) and parses the status line it prints last: status 0 when curl got no answer (its error is the body).
     */
    public static Result runAs(List<String> prefix, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("curl", "-sS", "--max-time", "30", "-w", "\n%{http_code} %{content_type}"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("curl did not finish: " + cmd);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        int nl = text.lastIndexOf('\n');
        String[] status = text.substring(nl + 1).split(" ", 2);
        return new Result(Integer.parseInt(status[0]), status.length > 1 ? status[1] : "", text.substring(0, nl));
    }

    /**
     * Calls the control API on the Unix socket {@code socket} with {@code method path} and an optional JSON body;
     * fails unless it answers {@code status}, and returns the body.
     */
    public static String api(Path socket, int status, String method, String path, String json)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--unix-socket", socket.toString(), "-X", method));
        if (json != null) {
            args.addAll(List.of("-H", "Content-Type: application/json", "-d", json));
        }
        args.add("http://localhost" + path);
        Result r = run(args.toArray(String[]::new));
        assertThat(r.status()).as(method + " " + path + ": " + r.body()).isEqualTo(status);
        return r.body();
    }
}
