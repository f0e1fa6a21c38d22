/* SPDX-License-Identifier: Apache-2.0 */
/* main.c - the espi executable: a shim around the testable cli_main. */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv, stdout, stderr);
}
