/*
 * main.c: the vmdeck program: everything goes through the CLI table; with
 * no verb, the CLI runs the console it is handed here. This file is where
 * the core (src/) and the console (ui/) meet: neither names the other.
 */
#include "cli.h"

int ui_console_main(struct cli *c, int argc, char **argv);  /* ui/console.c */

int main(int argc, char **argv)
{
	return cli_main(argc, argv, ui_console_main);
}
