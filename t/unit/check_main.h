/*
 * The shared main of the Check suites: each test program defines
 * check_suite() and links check_main.c, which runs it with TAP output on
 * stdout for automake's TAP driver.
 */
#ifndef SBC_CHECK_MAIN_H
#define SBC_CHECK_MAIN_H

#include <check.h>

Suite *check_suite(void);

/*
 * Lists the *.sip files of t/data/DIR, sorted, as malloc'd "DIR/name"
 * strings in out (at most max); returns how many.
 */
int check_scan_data(const char *dir, char **out, int max);

/* Reads a test data file under t/data into a malloc'd buffer. */
char *check_read_data(const char *name, size_t *len);

#endif
