/*
 * load.c — a model for inference from a checkpoint file: the checkpoint's
 * configuration, its parameters, and nothing of the optimizer.
 */
#include <stdlib.h>
#include <string.h>

#include "lowwatt/trainer.h"

lw_status lw_model_load(const char *path, int max_B, lw_model **out, lw_checkpoint *ck,
			lw_err *err)
{
	lw_status st = lw_checkpoint_load(path, ck, err);
	if (st)
		return st;
	lw_model *m = NULL;
	if ((st = lw_model_create(&ck->train.model, max_B > 0 ? max_B : ck->train.batch, &m,
				   err))) {
		lw_err_prefix(err, path);
	} else {
		memcpy(lw_model_params(m), ck->params, ck->n_params * sizeof(float));
		*out = m;
	}
	/* Keep the settings and positions, drop the arrays. */
	free(ck->params);
	free(ck->m);
	free(ck->v);
	ck->params = ck->m = ck->v = NULL;
	return st;
}
