/*
 * table.h — the parameter table of a configuration (internal to src/model).
 */
#ifndef LW_MODEL_TABLE_H
#define LW_MODEL_TABLE_H

#include <stddef.h>

#include "lowwatt/model.h"

/* Fill t (if not NULL; room for the returned count) with the named tensors
 * of configuration c in buffer order; *total (if not NULL) receives the
 * parameter count. Returns the number of tensors: 4 + 12 * layers. */
int lw_model_table(const lw_model_config *c, lw_tensor *t, size_t *total);

/* Tensors per layer, in the order of the table. */
enum { LW_LAYER_TENSORS = 12 };

#endif
