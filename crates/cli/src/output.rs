//! Writing files for commands: atomic replace, so a crash never leaves half a bundle behind.
