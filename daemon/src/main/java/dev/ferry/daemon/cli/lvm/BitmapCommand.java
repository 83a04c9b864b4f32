package dev.ferry.daemon.cli.lvm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import dev.ferry.daemon.command.ExitCodes;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code bitmap add|list|clear|remove VG/LV [NAME] [--granularity SIZE]}: the dirty bitmaps of a logical volume,
 * offered over NBD as {@code qemu:dirty-bitmap:NAME} (see daemon/docs/bitmaps.md).
 */
@Command(name = "bitmap", description = "Dirty bitmaps of a logical volume (qemu:dirty-bitmap:NAME over NBD): "
        + "bitmap add|list|clear|remove VG/LV [NAME].")
public final class BitmapCommand extends LvmCommand {
    @Parameters(index = "0", paramLabel = "ACTION", description = "add, list, clear or remove.")
    String action;

    @Parameters(index = "1", paramLabel = "VG/LV", description = "The logical volume.")
    String lv;

    @Parameters(index = "2", arity = "0..1", paramLabel = "NAME", description = "The bitmap (all but list).")
    String name;

    @Option(names = "--granularity", paramLabel = "SIZE", description = "add: bytes per bit, a power of two of at "
        + "least 512 bytes, default unit KiB (b, k, m suffixes; default 64k).")
    String granularity;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        String[] vgLv = vgLv(lv);
        String base = Targets.path("/v1/vgs").segment(vgLv[0]).literal("/lvs").segment(vgLv[1])
            .literal("/bitmaps").toString();
        if (action.equals("list")) {
            JsonNode answer = client.call("GET", base, null);
            if (json()) {
                printJson(answer);
            } else {
                out().printf("%-20s %12s %14s %s%n", "Bitmap", "Granularity", "Dirty", "State");
                for (JsonNode b : answer.get("bitmaps")) {
                    out().printf("%-20s %12s %14s %s%n", b.get("name").asText(),
                        humanSize(b.get("granularity").asLong()), humanSize(b.get("dirty_bytes").asLong()),
                        b.get("inconsistent").asBoolean() ? "inconsistent" : "consistent");
                }
            }
            return ExitCodes.OK;
        }
        if (name == null) {
            throw new ParameterException(spec.commandLine(), "bitmap " + action + " needs a bitmap NAME.");
        }
        String one = Targets.path(base).segment(name).toString();
        switch (action) {
            case "add" -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("name", name);
                if (granularity != null) {
                    body.put("granularity", granularity);
                }
                report(client.call("POST", base, body), "Added bitmap \"" + name + "\" to " + lv);
            }
            case "clear" -> report(client.call("POST", one + "/clear", Map.of()), "Cleared bitmap \"" + name
                + "\" of " + lv);
            case "remove" -> report(client.call("DELETE", one, null), "Removed bitmap \"" + name + "\" of " + lv);
            default -> throw new ParameterException(spec.commandLine(), "Unknown action \"" + action
                + "\": add, list, clear or remove.");
        }
        return ExitCodes.OK;
    }
}
