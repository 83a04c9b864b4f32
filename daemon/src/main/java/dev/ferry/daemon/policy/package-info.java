/** The daemon's rules on what API callers may name: the directories PV and table paths must lie under. */
package dev.ferry.daemon.policy;
