/* term.h: a guest's serial console and QEMU human monitor on this terminal (no curses). */
#ifndef VMDECK_TERM_H
#define VMDECK_TERM_H

#include "config.h"
#include "vmdef.h"

/*
 * Relays this terminal to and from state_dir/NAME/serial.sock until Ctrl-]
 * (0x1d) or until the guest's end closes. On a tty the terminal is raw while
 * attached and restored on every way out. When stdin is not a tty, bytes are
 * relayed as they are; at the end of stdin it keeps printing the guest's
 * output until the guest has been quiet for a second, so a script can pipe a
 * command in and read the answer. The console calls this after suspending
 * curses. Returns 0, or -1 with *err (e.g. the guest is not running).
 */
int term_serial(const struct config *cfg, const struct vmdef *def, char **err);

/*
 * QEMU's human monitor over state_dir/NAME/hmp.sock: GNU readline editing
 * with history in ~/.vmdeck_history on a tty, plain lines from a pipe. Each
 * command's answer is printed without QEMU's echo and prompt. `quit` (and
 * `q`) is refused, so the guest is never ended by accident: the message
 * points at `vmdeck stop` and `vmdeck kill`. Ctrl-D or end of input leaves.
 */
int term_monitor(const struct config *cfg, const struct vmdef *def, char **err);

#endif
