/* SPDX-License-Identifier: MIT */
/*
 * test_fs_atomic.c - mmr_write_atomic and mmr_copy_atomic (lib/util): a
 * file is there whole with the mode asked, or not at all, and no
 * temporary is left behind either way; a copy is a copy, never a link.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmr_fs.h"

static char dir[] = "/tmp/mmr-fs-atomic-XXXXXX";

/* Files in DIR whose name holds ".tmp": what a write must never leave. */
static int temporaries(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ls -a %s | grep -c '\\.tmp' >/dev/null", dir);
	return system(cmd) == 0;
}

static void test_write(void **state)
{
	(void)state;
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/f", dir);
	umask(077);
	assert_int_equal(mmr_write_atomic(path, "one\n", 0755), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755); /* the mode asked, whatever the umask */
	assert_int_equal(mmr_write_atomic(path, "two, longer\n", 0644), 0);
	char *text = mmr_slurp(path);
	assert_string_equal(text, "two, longer\n");
	free(text);
	assert_false(temporaries());
	/* A folder that is not there: an error, nothing made, errno says why. */
	snprintf(path, sizeof(path), "%s/none/f", dir);
	assert_int_equal(mmr_write_atomic(path, "x", 0644), -1);
	assert_int_equal(errno, ENOENT);
	assert_false(temporaries());
}

static void test_copy(void **state)
{
	(void)state;
	char src[256], dst[256], fifo[256];
	struct stat a, b;
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	assert_int_equal(mmr_write_atomic(src, "trace bytes\n", 0644), 0);
	assert_int_equal(mmr_copy_atomic(src, dst), 0);
	char *text = mmr_slurp(dst);
	assert_string_equal(text, "trace bytes\n");
	free(text);
	assert_int_equal(stat(src, &a), 0);
	assert_int_equal(stat(dst, &b), 0);
	assert_true(a.st_ino != b.st_ino); /* a copy: rewriting the source in place cannot change it */
	assert_int_equal(mmr_write_atomic(src, "changed\n", 0644), 0);
	text = mmr_slurp(dst);
	assert_string_equal(text, "trace bytes\n");
	free(text);
	/* What is no regular file is refused, and nothing is made. */
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(dst, sizeof(dst), "%s/from-fifo", dir);
	assert_int_equal(mmr_copy_atomic(fifo, dst), -1);
	assert_int_equal(access(dst, F_OK), -1);
	assert_false(temporaries());
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_copy),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
