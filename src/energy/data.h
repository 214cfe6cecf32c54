/*
 * data.h — the project's data files, built into the program (data.c
 * includes them with .incbin) so that the command needs no install path.
 * Each is NUL-terminated text; the files themselves, under
 * src/energy/data/, cite their sources in their header comments.
 */
#ifndef LW_ENERGY_DATA_H
#define LW_ENERGY_DATA_H

/* src/energy/data/cpu-tdp.csv: Name,TDP */
extern const char lw_data_cpu_tdp_csv[];
/* src/energy/data/carbon-intensity.csv: alpha2,alpha3,country,g_co2e_per_kwh,year */
extern const char lw_data_carbon_intensity_csv[];

#endif
