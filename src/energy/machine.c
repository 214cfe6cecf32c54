/*
 * machine.c — the machine as procfs describes it: /proc/cpuinfo for the CPU
 * model and counts, /proc/meminfo for memory, /proc/stat for busy time.
 *
 * /proc/stat is read at every sample of the meter (up to 100 times a
 * second), so it is read with one small read() into a stack buffer, not
 * through the whole-file reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lowwatt/machine.h"
#include "util/file.h"

/* ---------------------------------------------------------------- roots */

static const char *root_or(const char *root, const char *env, const char *fallback)
{
	if (root)
		return root;
	const char *v = getenv(env);
	return v && *v ? v : fallback;
}

const char *lw_procfs_root(const char *root)
{
	return root_or(root, "LOWWATT_PROCFS", "/proc");
}

const char *lw_sysfs_root(const char *root)
{
	return root_or(root, "LOWWATT_SYSFS", "/sys");
}

/* ---------------------------------------------------------------- cpuinfo */

/* The value of a "key<tabs>: value" line, or NULL if line is not about key. */
static const char *field_value(const char *line, const char *key)
{
	size_t n = strlen(key);
	if (strncmp(line, key, n) != 0 || (line[n] != ' ' && line[n] != '\t' && line[n] != ':'))
		return NULL;
	const char *colon = strchr(line + n, ':');
	if (!colon)
		return NULL;
	colon++;
	while (*colon == ' ' || *colon == '\t')
		colon++;
	return colon;
}

static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = strstr(list, word); p; p = strstr(p + 1, word))
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return 1;
	return 0;
}

/* Physical ids seen so far: a small set (machines have a few sockets). */
static void note_socket(long id, long *ids, int *n, int max)
{
	for (int i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	if (*n < max)
		ids[(*n)++] = id;
}

static void parse_cpuinfo(char *text, lw_machine *m)
{
	long ids[64];
	int n_ids = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *v;
		if (field_value(line, "processor"))
			m->logical_cpus++;
		else if (!m->cpu_model[0] && (v = field_value(line, "model name")))
			snprintf(m->cpu_model, sizeof m->cpu_model, "%s", v);
		else if ((v = field_value(line, "physical id")))
			note_socket(strtol(v, NULL, 10), ids, &n_ids, 64);
		else if ((v = field_value(line, "flags")) && has_word(v, "hypervisor"))
			m->virtual_machine = 1;
	}
	m->sockets = n_ids > 0 ? n_ids : 1;
}

/* ---------------------------------------------------------------- meminfo */

/* "MemTotal:       24684092 kB" -> GiB; -1 if absent. */
static double meminfo_gib(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = text; *p;) {
		if (strncmp(p, key, n) == 0 && p[n] == ':')
			return strtod(p + n + 1, NULL) / (1024.0 * 1024.0);
		const char *eol = strchr(p, '\n');
		if (!eol)
			break;
		p = eol + 1;
	}
	return -1;
}

static lw_status read_text(const char *root, const char *name, lw_buf *b, lw_err *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", root, name);
	return lw_file_read_all(path, b, err);
}

lw_status lw_machine_describe(const char *procfs_root, lw_machine *out, lw_err *err)
{
	const char *root = lw_procfs_root(procfs_root);
	memset(out, 0, sizeof *out);
	lw_buf b = {0};
	lw_status st = read_text(root, "cpuinfo", &b, err);
	if (st == LW_OK) {
		parse_cpuinfo((char *)b.data, out);
		b.len = 0;
		st = read_text(root, "meminfo", &b, err);
	}
	if (st == LW_OK) {
		out->mem_total_gib = meminfo_gib((char *)b.data, "MemTotal");
		out->mem_available_gib = meminfo_gib((char *)b.data, "MemAvailable");
		if (out->mem_total_gib < 0)
			st = lw_err_set(err, LW_ERR_FORMAT, "%s/meminfo: no MemTotal line", root);
	}
	if (st == LW_OK && out->logical_cpus == 0)
		st = lw_err_set(err, LW_ERR_FORMAT, "%s/cpuinfo: no processor entries", root);
	lw_buf_free(&b);
	return st;
}

/* ---------------------------------------------------------------- stat */

lw_status lw_machine_cpu_times(const char *procfs_root, lw_cpu_times *out, lw_err *err)
{
	char path[4096], line[1024];
	snprintf(path, sizeof path, "%s/stat", lw_procfs_root(procfs_root));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lw_err_set(err, LW_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	ssize_t n = read(fd, line, sizeof line - 1);
	int saved = errno;
	close(fd);
	if (n < 0)
		return lw_err_set(err, LW_ERR_IO, "%s: read failed: %s", path, strerror(saved));
	line[n] = 0;
	unsigned long long t[8] = {0}; /* user nice system idle iowait irq softirq steal */
	int fields = sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &t[0], &t[1],
			    &t[2], &t[3], &t[4], &t[5], &t[6], &t[7]);
	if (fields < 4)
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: the first line is not 'cpu user nice system idle ...'", path);
	double tick = 1.0 / (double)sysconf(_SC_CLK_TCK);
	out->busy_s = (double)(t[0] + t[1] + t[2] + t[5] + t[6]) * tick;
	out->idle_s = (double)(t[3] + t[4]) * tick;
	return LW_OK;
}

double lw_cpu_utilisation(const lw_cpu_times *from, const lw_cpu_times *to)
{
	double busy = to->busy_s - from->busy_s;
	double idle = to->idle_s - from->idle_s;
	if (busy < 0)
		busy = 0;
	if (idle < 0)
		idle = 0;
	return busy + idle > 0 ? busy / (busy + idle) : 0.0;
}
