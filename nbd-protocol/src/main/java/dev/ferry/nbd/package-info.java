/** The Network Block Device protocol: constants and their spec names, shared by the server and the client. */
package dev.ferry.nbd;
