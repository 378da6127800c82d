/* SPDX-License-Identifier: MIT */
/*
 * command.c - the command a capture records around (`capture -- CMD`).
 *
 * The child is forked first and waits on a pipe, so its pid can go into
 * the instance's event filter before it runs a single instruction of the
 * command; only then is it let go to exec.  A second, close-on-exec pipe
 * tells the parent whether the exec itself failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cap_internal.h"

/* In the child: wait for the go, exec, and on failure report errno and exit.  Never returns. */
static _Noreturn void child_run(char *const *argv, const sigset_t *ignore, int go_fd, int status_fd)
{
	static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
	char c;
	/*
	 * The parent's handlers set its stop flag, and it ignores SIGPIPE; the
	 * command gets what the capture itself was given (SIG_IGN survives exec).
	 */
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		signal(caught[i], sigismember(ignore, caught[i]) == 1 ? SIG_IGN : SIG_DFL);
	/* Wait until the parent has set up tracing; EOF means it gave up. */
	if (read(go_fd, &c, 1) != 1)
		_exit(127);
	close(go_fd);
	execvp(argv[0], argv);
	int e = errno;
	ssize_t n = write(status_fd, &e, sizeof(e));
	(void)n; /* nothing more to do if even that fails: the exit status says 127 */
	_exit(127);
}

int cap_command_fork(struct cap_command *cmd, char *const *argv, const sigset_t *ignore,
		     struct mmr_error *err)
{
	int go[2], status[2];
	memset(cmd, 0, sizeof(*cmd));
	cmd->pid = -1;
	cmd->go_fd = cmd->status_fd = -1;
	if (pipe2(go, O_CLOEXEC) || pipe2(status, O_CLOEXEC)) {
		snprintf(err->msg, sizeof(err->msg), "cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot fork: %s", strerror(errno));
		close(go[0]), close(go[1]), close(status[0]), close(status[1]);
		return -1;
	}
	if (pid == 0) {
		close(go[1]);
		close(status[0]);
		child_run(argv, ignore, go[0], status[1]);
	}
	close(go[0]);
	close(status[1]);
	cmd->pid = pid;
	cmd->go_fd = go[1];
	cmd->status_fd = status[0];
	cmd->name = argv[0];
	cmd->exit_status = -1;
	return 0;
}

int cap_command_start(struct cap_command *cmd, struct mmr_error *err)
{
	int e = 0;
	if (write(cmd->go_fd, "g", 1) != 1) {
		snprintf(err->msg, sizeof(err->msg), "cannot start '%s': %s", cmd->name, strerror(errno));
		return -1;
	}
	close(cmd->go_fd);
	cmd->go_fd = -1;
	/* EOF: the exec succeeded and closed the pipe; an int: its errno. */
	ssize_t n = read(cmd->status_fd, &e, sizeof(e));
	close(cmd->status_fd);
	cmd->status_fd = -1;
	if (n == (ssize_t)sizeof(e)) {
		snprintf(err->msg, sizeof(err->msg), "cannot run '%s': %s", cmd->name, strerror(e));
		cap_command_reap(cmd, true);
		return -1;
	}
	return 0;
}

/* Shell-style status: the exit code, or 128 + the signal. */
static int shell_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

bool cap_command_exited(struct cap_command *cmd)
{
	int st;
	if (cmd->pid <= 0)
		return true;
	pid_t r = waitpid(cmd->pid, &st, WNOHANG);
	if (r == cmd->pid || (r < 0 && errno == ECHILD)) {
		cmd->exit_status = r == cmd->pid ? shell_status(st) : -1;
		cmd->pid = -1;
		return true;
	}
	return false;
}

void cap_command_reap(struct cap_command *cmd, bool terminate)
{
	if (cmd->go_fd >= 0)
		close(cmd->go_fd); /* a child still waiting to start exits on EOF */
	if (cmd->status_fd >= 0)
		close(cmd->status_fd);
	cmd->go_fd = cmd->status_fd = -1;
	if (cmd->pid <= 0)
		return;
	if (terminate)
		kill(cmd->pid, SIGTERM);
	/* Give it a second to go, then make sure it does. */
	for (int i = 0; i < 100 && !cap_command_exited(cmd); i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	if (cmd->pid > 0) {
		kill(cmd->pid, SIGKILL);
		int st;
		if (waitpid(cmd->pid, &st, 0) == cmd->pid)
			cmd->exit_status = shell_status(st);
		cmd->pid = -1;
	}
}
