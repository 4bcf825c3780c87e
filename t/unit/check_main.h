/*
 * The shared main of the Check suites: each test program defines
 * check_suite() and links check_main.c, which runs it with TAP output on
 * stdout for automake's TAP driver.
 */
#ifndef SBC_CHECK_MAIN_H
#define SBC_CHECK_MAIN_H

#include <check.h>

Suite *check_suite(void);

/* Reads a test data file under t/data into a malloc'd buffer. */
char *check_read_data(const char *name, size_t *len);

#endif
