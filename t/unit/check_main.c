#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

int check_scan_data(const char *dir, char **out, int max)
{
	char path[1024];
	struct dirent **ents;
	int n, count = 0;

	snprintf(path, sizeof(path), "%s/t/data/%s", SRCDIR, dir);
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (count < max && l > 4 &&
		    strcmp(ents[i]->d_name + l - 4, ".sip") == 0) {
			size_t sz = strlen(dir) + l + 2;

			out[count] = malloc(sz);
			if (out[count]) {
				snprintf(out[count], sz, "%s/%s", dir,
					 ents[i]->d_name);
				count++;
			}
		}
		free(ents[i]);
	}
	free(ents);
	return count;
}

char *check_read_data(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "%s/t/data/%s", SRCDIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}

int main(void)
{
	SRunner *sr = srunner_create(check_suite());
	int failed;

	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
