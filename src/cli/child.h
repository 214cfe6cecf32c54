/*
 * child.h — run a command as a child process the way a wrapper should
 * (time, perf stat): signals sent to the wrapper reach the child, and the
 * wrapper's exit status is the child's.
 *
 * child_block_signals() must come before any thread is created (the meter's
 * sampling thread inherits the mask): the forwarded signals and SIGCHLD are
 * then taken synchronously by child_wait with sigwaitinfo, so no signal
 * handler and no global state are involved. A signal sent to the wrapper by
 * a process (kill, a job scheduler) is passed on; one the kernel sent (Ctrl-C
 * on a terminal goes to the whole foreground process group, child included)
 * is not passed on a second time.
 */
#ifndef LW_CLI_CHILD_H
#define LW_CLI_CHILD_H

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

typedef struct child {
	pid_t pid;
	sigset_t blocked;     /* the set child_wait takes */
	sigset_t old_mask;    /* restored in the child before exec */
} child;

/* Block SIGCHLD and the forwarded signals (INT, TERM, HUP, QUIT, USR1, USR2)
 * in the calling thread and the threads it creates later. */
void child_block_signals(child *c);

/* Fork and exec argv[0] (searched in PATH). On failure to exec, returns -1
 * with *exec_errno set (ENOENT: not found, EACCES: not executable); the
 * caller reports it and exits 127 or 126 as shells do. Returns 0 when the
 * command runs. */
int child_start(child *c, char *const argv[], int *exec_errno);

/* Wait for the child, forwarding signals; fill its CPU time (user + system,
 * of it and its waited-for descendants) and return the exit status a
 * shell gives: the exit code, or 128 + the signal that killed it. */
int child_wait(child *c, double *cpu_s);

/* Unblock the signals again. */
void child_restore_signals(const child *c);

#endif
