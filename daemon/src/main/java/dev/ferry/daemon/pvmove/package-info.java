/** pvmove: live migration of LV extents between PVs through a hidden mirrored pvmove LV, with crash resume. */
package dev.ferry.daemon.pvmove;
