/*
 * data.c — the project's data files, built into the program (data.h).
 *
 * The assembler includes each file byte for byte with .incbin and ends it
 * with a NUL, so the files stay plain CSV that a reader can open and cite,
 * and the command needs no install path. The paths are relative to the
 * repository root, where make runs the compiler; the Makefile makes data.o
 * depend on the files (.incbin is invisible to -MMD). ELF only (.type,
 * .size), which is every platform lowwatt builds on.
 */
#include "energy/data.h"

/* EMBED(symbol, path): a global, 16-byte aligned, NUL-terminated copy of
 * the file in .rodata, typed and sized for the debugger and the linker. */
#define EMBED(sym, path)                                \
	".section .rodata\n"                            \
	".balign 16\n"                                  \
	".globl " #sym "\n"                             \
	".type " #sym ", @object\n"                     \
	#sym ":\n"                                      \
	".incbin \"" path "\"\n"                        \
	".byte 0\n"                                     \
	".size " #sym ", . - " #sym "\n"                \
	".previous\n"

__asm__(EMBED(lw_data_cpu_tdp_csv, "src/energy/data/cpu-tdp.csv")
	EMBED(lw_data_carbon_intensity_csv, "src/energy/data/carbon-intensity.csv"));
