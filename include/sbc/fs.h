/*
 * fs: small file-system helpers (layer 0).
 */
#ifndef SBC_FS_H
#define SBC_FS_H

#include <stddef.h>

/*
 * Creates the directory a file goes in when it is missing, one level
 * only: "var/sbc.db" in a fresh tree needs var/, but a mistyped path
 * should not grow a tree of directories.  Returns 0, -ENOMEM, or the
 * negative errno of a failed mkdir with a message naming path in err.
 */
int fs_mkdir_parent(const char *path, char *err, size_t errlen);

#endif
