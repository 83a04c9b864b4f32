/** The mirror target (dm-raid1): legs, region logs (core and disk), region states and background recovery. */
package dev.ferry.mapper.mirror;
