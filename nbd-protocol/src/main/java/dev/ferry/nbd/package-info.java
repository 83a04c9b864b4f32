/** The Network Block Device protocol: constants shared by the server and the client. */
package dev.ferry.nbd;
