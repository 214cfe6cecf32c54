/*
 * child.c — run a command, forward signals to it, and return its exit
 * status (see child.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/child.h"

static const int FORWARDED[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

void child_block_signals(child *c)
{
	sigemptyset(&c->blocked);
	for (size_t i = 0; i < sizeof FORWARDED / sizeof *FORWARDED; i++)
		sigaddset(&c->blocked, FORWARDED[i]);
	sigaddset(&c->blocked, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &c->blocked, &c->old_mask);
}

void child_restore_signals(const child *c)
{
	pthread_sigmask(SIG_SETMASK, &c->old_mask, NULL);
}

/* In the child: restore the signal mask, exec, and on failure send errno
 * up the close-on-exec pipe (which closes silently on success). */
static void exec_child(const child *c, char *const argv[], int report_fd)
{
	sigprocmask(SIG_SETMASK, &c->old_mask, NULL);
	execvp(argv[0], argv);
	int e = errno;
	ssize_t ignored = write(report_fd, &e, sizeof e);
	(void)ignored;
	_exit(127);
}

int child_start(child *c, char *const argv[], int *exec_errno)
{
	int fds[2];
	if (pipe(fds) != 0) {
		*exec_errno = errno;
		return -1;
	}
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	c->pid = fork();
	if (c->pid < 0) {
		*exec_errno = errno;
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (c->pid == 0)
		exec_child(c, argv, fds[1]);
	close(fds[1]);
	int e = 0;
	ssize_t n;
	do
		n = read(fds[0], &e, sizeof e);
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n == (ssize_t)sizeof e) {
		waitpid(c->pid, NULL, 0);
		*exec_errno = e;
		return -1;
	}
	return 0;
}

/* Sent by a process (kill, sigqueue, tkill) rather than by the kernel. */
static int sent_by_process(const siginfo_t *info)
{
	return info->si_code <= 0;
}

static int shell_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int child_wait(child *c, double *cpu_s)
{
	for (;;) {
		int status;
		struct rusage ru;
		pid_t done = wait4(c->pid, &status, WNOHANG, &ru);
		if (done == c->pid) {
			*cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
				 1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
			return shell_status(status);
		}
		if (done < 0 && errno != EINTR) {
			*cpu_s = 0;
			return 1;
		}
		siginfo_t info;
		int sig = sigwaitinfo(&c->blocked, &info);
		if (sig > 0 && sig != SIGCHLD && sent_by_process(&info))
			kill(c->pid, sig);
	}
}
