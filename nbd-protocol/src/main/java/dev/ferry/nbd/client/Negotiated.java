package dev.ferry.nbd.client;

import java.util.List;
import java.util.Map;

/**
 * The outcome of a handshake.
 *
 * @param export       the export's details (null for LIST)
 * @param format       the reply format agreed on
 * @param metaContexts selected meta contexts, name to server-assigned id
 * @param exports      exports listed (LIST only)
 * @param transmission the transmission handler installed (GO and EXPORT_NAME only)
 */
record Negotiated(NbdExportInfo export, ReplyFormat format, Map<String, Integer> metaContexts,
                  List<NbdExport> exports, TransmissionHandler transmission) {
}
