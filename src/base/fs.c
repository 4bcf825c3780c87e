/*
 * fs: small file-system helpers (layer 0).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sbc/fs.h"
#include "sbc/log.h"

int fs_mkdir_parent(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	struct stat sb;
	char *dir;
	int rc = 0;

	if (slash == NULL || slash == path)
		return 0;
	dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return -ENOMEM;
	if (stat(dir, &sb) < 0 && errno == ENOENT) {
		if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
			rc = -errno;
			snprintf(err, errlen,
				 "%s: cannot create directory %s: %s", path,
				 dir, strerror(errno));
		} else {
			log_info("created directory %s", dir);
		}
	}
	free(dir);
	return rc;
}
