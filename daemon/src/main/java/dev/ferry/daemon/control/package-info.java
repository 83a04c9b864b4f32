/**
 * The daemon's control plane: REST/JSON over HTTP/1.1 on a Unix domain socket and optionally a loopback
 * TCP port, with a small router to which the volume manager and dmsetup add their routes.
 */
package dev.ferry.daemon.control;
