/*
 * testutil.h — what every lowwatt test program includes: cmocka (which needs
 * its standard headers first) and small helpers for temporary files and
 * token shards.
 *
 * Tests run from the repository root (prove is started there), so data
 * paths such as data/brown/val.txt are relative to it.
 */
#ifndef LW_TESTUTIL_H
#define LW_TESTUTIL_H

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "lowwatt/shard.h"

/* A fresh temporary directory; the caller frees the string. */
static inline char *tu_tempdir(void)
{
	char tmpl[] = "/tmp/lowwatt-test-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

/* dir/name into a static-free, caller-freed string. */
static inline char *tu_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Write n bytes to path, replacing it. */
static inline void tu_write_file(const char *path, const void *data, size_t n)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

/* Sleep s seconds, resuming when a signal interrupts. */
static inline void tu_sleep_s(double s)
{
	struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&t, &t) != 0)
		;
}

/* Entries in dir other than . and .. (a temporary file left behind shows). */
static inline int tu_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* A shard at path (vocab ids, tokenizer checksum) repeating a fixed 7-token
 * "sentence" (ids 2 to 21) n times: a text a tiny model learns quickly. */
static inline void tu_write_repeated_shard(const char *path, uint32_t vocab, uint32_t checksum,
					   size_t n)
{
	static const int32_t sentence[] = { 3, 11, 5, 17, 2, 9, 21 };
	int32_t *ids = malloc(n * 7 * sizeof *ids);
	assert_non_null(ids);
	for (size_t i = 0; i < n * 7; i++)
		ids[i] = sentence[i % 7];
	lw_err err = {0};
	assert_int_equal(lw_shard_write(path, vocab, checksum, 0, ids, n * 7, &err), LW_OK);
	free(ids);
}

/* Remove a directory tree made by tu_tempdir. */
static inline void tu_rmtree(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* The training tests' data: a fresh temporary directory holding
 * train.lwtk and val.lwtk, that sentence 300 and 50 times, opened. */
typedef struct tu_shards {
	char *dir;
	lw_shard train, val;
} tu_shards;

static inline void tu_shards_open(tu_shards *s, uint32_t vocab, uint32_t checksum)
{
	s->dir = tu_tempdir();
	char *tp = tu_path(s->dir, "train.lwtk"), *vp = tu_path(s->dir, "val.lwtk");
	tu_write_repeated_shard(tp, vocab, checksum, 300);
	tu_write_repeated_shard(vp, vocab, checksum, 50);
	lw_err err = {0};
	assert_int_equal(lw_shard_open(tp, &s->train, &err), LW_OK);
	assert_int_equal(lw_shard_open(vp, &s->val, &err), LW_OK);
	free(tp);
	free(vp);
}

/* Close both shards and remove the directory (and all put in it). */
static inline void tu_shards_close(tu_shards *s)
{
	lw_shard_close(&s->train);
	lw_shard_close(&s->val);
	tu_rmtree(s->dir);
	free(s->dir);
	s->dir = NULL;
}

/* Run fn(ctx) as an unprivileged user and return what it returns (0..255):
 * directly when the test is not root, else in a child that drops to user
 * and group nobody (65534), since root reads and writes past permissions.
 * 77: the system did not let the child drop its privileges (skip). */
static inline int tu_as_nobody(int (*fn)(void *ctx), void *ctx)
{
	if (geteuid() != 0)
		return fn(ctx);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(77);
		_exit(fn(ctx));
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

#endif
