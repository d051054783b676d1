/* main.c: the vmdeck program: everything goes through the CLI table. */
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
