# vmdeck build: `make` builds ./vmdeck; `make run` opens the demo; `make test`
# installs what is missing, builds and runs every test. BUILD= picks the
# object folder so several builds can share one tree.
PREFIX  ?= /usr/local
DESTDIR ?=
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# vmdeck reads /etc/vmdeck/vmdeck.conf whatever PREFIX is.
SYSCONFDIR ?= /etc
# systemd looks for system units in PREFIX/lib/systemd/system for both
# /usr/local and /usr (a package); the units run PREFIX/bin/vmdeck.
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
UNITS   := vmdeck@.service vmdeck.service
BUILD   ?= build
CC      ?= cc
PKGS    := ncursesw panelw formw libconfig yaml-0.1 readline jansson libzstd zlib libcrypto

WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-align -Wwrite-strings \
        -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
        -Wformat=2 -Wformat-security -Wundef -Wvla -Wnull-dereference \
        -Wdouble-promotion -Wimplicit-fallthrough -Wno-unused-parameter
ifdef WERROR
WARN += -Werror
endif

# Read when the Makefile is parsed, i.e. before `deps` could install the
# -dev packages: so `run` and `test` install first and then build in a second
# make, which parses again; a build without them stops at pkgcheck.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# `make test QEMU=/path/to/qemu-system-x86_64` runs the suite against that
# QEMU: its folder goes first in PATH (so the name must be qemu-system-x86_64).
# `make test-qemu10` fetches Debian's bookworm-backports QEMU 10 for it.
ifdef QEMU
export PATH := $(dir $(abspath $(QEMU))):$(PATH)
endif

CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 -D_GNU_SOURCE $(WARN) $(PKG_CFLAGS) -MMD -MP
LDLIBS  += $(PKG_LIBS) -lpthread -lm

# Three layers, each compiled with only the headers it may use, so the
# layout is a build rule: src/core/ (the library: model, QEMU, storage,
# backup) sees itself; src/cli/ (the verbs) sees the core; ui/ (the console)
# sees both. src/main.c alone joins the console to the verbs.
CORE_INC := -Isrc/core
CLI_INC  := $(CORE_INC) -Isrc/cli
UI_INC   := $(CLI_INC) -Iui
CORE_SRC := $(wildcard src/core/*.c)
CLI_SRC  := $(wildcard src/cli/*.c)
UI_SRC   := $(wildcard ui/*.c)
DOC_SRC  := $(wildcard src/doc/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
DOC_OBJ  := $(DOC_SRC:%.c=$(BUILD)/%.o)
# Generated from the code's tables by mkdoc (src/doc/): they cannot drift.
DOCS     := $(addprefix $(BUILD)/doc/,vmdeck.1 vmdeck.conf.5 vmdeck-guest.5 vmdeck.bash-completion)
UI_OBJ   := $(UI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: test-qemu10 deb deb-test pkgcheck all docs run test unit asan fuzz install uninstall clean deps fixtures bench check-werror

# A build needs every library's -dev package; say which are missing and how to
# get them, instead of hundreds of undefined references.
pkgcheck:
	@missing=""; for p in $(PKGS); do pkg-config --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "vmdeck: the build needs these libraries' -dev packages:$$missing" >&2; \
		echo "vmdeck: run 'make deps' (as root), or 'make run' / 'make test', which install them" >&2; \
		exit 1; \
	fi

all: $(BUILD)/vmdeck vmdeck docs

docs: $(DOCS)

vmdeck: $(BUILD)/vmdeck
	@ln -sf $(BUILD)/vmdeck vmdeck

$(BUILD)/src/core/%.o: src/core/%.c | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CORE_INC) -c -o $@ $<

$(BUILD)/src/cli/%.o: src/cli/%.c | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CLI_INC) -c -o $@ $<

$(BUILD)/ui/%.o: ui/%.c | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(UI_INC) -c -o $@ $<

$(BUILD)/src/doc/%.o: src/doc/%.c | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(UI_INC) -Isrc/doc -c -o $@ $<

$(BUILD)/src/main.o: src/main.c | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(UI_INC) -c -o $@ $<

$(BUILD)/libvmdeck.a: $(CORE_OBJ)
	rm -f $@; $(AR) rcs $@ $^

$(BUILD)/libvmdeck-cli.a: $(CLI_OBJ)
	rm -f $@; $(AR) rcs $@ $^

$(BUILD)/vmdeck: $(BUILD)/src/main.o $(UI_OBJ) $(BUILD)/libvmdeck-cli.a $(BUILD)/libvmdeck.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# mkdoc reads the verb, key and schema tables; it runs at build time only.
$(BUILD)/mkdoc: $(DOC_OBJ) $(UI_OBJ) $(BUILD)/libvmdeck-cli.a $(BUILD)/libvmdeck.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/doc/vmdeck.bash-completion: $(BUILD)/mkdoc
	@mkdir -p $(dir $@)
	$(BUILD)/mkdoc completion > $@.tmp && mv $@.tmp $@

$(BUILD)/doc/%: $(BUILD)/mkdoc
	@mkdir -p $(dir $@)
	$(BUILD)/mkdoc $* > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libvmdeck-cli.a $(BUILD)/libvmdeck.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CLI_INC) -Itests/unit -o $@ $< $(BUILD)/libvmdeck-cli.a $(BUILD)/libvmdeck.a $(LDLIBS) $(shell pkg-config --libs cmocka)

deps:
	@tests/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p var/iso
	./vmdeck -c vmdeck.conf

unit: $(UNIT_BIN)

test: deps
	$(MAKE) WERROR=1 all unit
	BUILD=$(BUILD) tests/run.sh

test-qemu10:
	$(MAKE) test QEMU="$$(tests/fetch-qemu.sh)"

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
	        LDFLAGS="-fsanitize=address,undefined" all unit
	BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 tests/run.sh


# libFuzzer targets for the parsers (and the text edits on definitions).
# `make fuzz FUZZ_TIME=300` runs each for that many seconds; findings land in $(BUILD)/fuzz/.
FUZZ_TIME   ?= 60
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE $(CORE_INC) $(PKG_CFLAGS)
FUZZ_SRC    := $(wildcard src/core/vmdef_*.c) $(addprefix src/core/,schema.c config.c util.c manifest.c yamlcheck.c \
	       storage.c lvm.c spawn.c)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(PKG_LIBS)

fuzz:
	@tests/install-deps.sh clang
	$(MAKE) $(BUILD)/fuzz/fuzz_vmdef $(BUILD)/fuzz/fuzz_config $(BUILD)/fuzz/fuzz_manifest
	for t in vmdef config manifest; do \
		mkdir -p $(BUILD)/fuzz/corpus-$$t && cp tests/fuzz/corpus/$$t/* $(BUILD)/fuzz/corpus-$$t/ && \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp $(BUILD)/fuzz/fuzz_$$t \
			-max_total_time=$(FUZZ_TIME) -dict=tests/fuzz/$$t.dict -artifact_prefix=$(BUILD)/fuzz/ \
			$(BUILD)/fuzz/corpus-$$t || exit 1; \
	done

fixtures:
	tests/fixtures/build-guest.sh

bench: all
	tests/bench/status.sh
	tests/bench/backup.sh
	tests/bench/console.sh

# The units are templates: @BINDIR@ becomes where vmdeck is installed. They
# are made again whenever the paths differ from the last make's (a package
# build with PREFIX=/usr after a /usr/local one must not ship /usr/local).
.PHONY: FORCE
$(BUILD)/systemd/paths: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PREFIX) $(SYSTEMDUNITDIR)' | cmp -s - $@ || echo '$(PREFIX) $(SYSTEMDUNITDIR)' > $@

$(UNITS:%=$(BUILD)/systemd/%): $(BUILD)/systemd/%: src/systemd/% $(BUILD)/systemd/paths
	@mkdir -p $(dir $@)
	sed 's|@BINDIR@|$(PREFIX)/bin|g' $< > $@

# The Debian package, built from a copy of this tree (without build output)
# so that dpkg-buildpackage's files land in $(BUILD)/deb/, not above the tree.
deb:
	@tests/install-deps.sh debhelper dpkg-dev lintian fakeroot bash-completion
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/vmdeck
	tar -c --exclude=./build --exclude='./build-*' --exclude=./.git --exclude=./var \
		--exclude=./tests/fixtures/out --exclude=./vmdeck . | tar -x -C $(BUILD)/deb/vmdeck
	cd $(BUILD)/deb/vmdeck && dpkg-buildpackage -us -uc -b
	@ls $(BUILD)/deb/*.deb

deb-test: deb
	BUILD=$(BUILD) tests/deb-test.sh

# The example configuration goes in only where there is none: an admin's
# own is never replaced. vms.d is 0700 (definitions may hold VNC passwords).
# On a host that systemd runs (and not into a DESTDIR) the autostart unit is
# enabled at once; vmdeck@NAME is started by `vmdeck start`, never enabled.
install: all $(UNITS:%=$(BUILD)/systemd/%)
	install -D -m 0755 $(BUILD)/vmdeck $(DESTDIR)$(PREFIX)/bin/vmdeck
	install -d $(DESTDIR)$(PREFIX)/share/vmdeck/themes
	install -m 0644 themes/*.theme $(DESTDIR)$(PREFIX)/share/vmdeck/themes/
	install -D -m 0644 $(BUILD)/doc/vmdeck.1 $(DESTDIR)$(MANDIR)/man1/vmdeck.1
	install -D -m 0644 $(BUILD)/doc/vmdeck.conf.5 $(DESTDIR)$(MANDIR)/man5/vmdeck.conf.5
	install -D -m 0644 $(BUILD)/doc/vmdeck-guest.5 $(DESTDIR)$(MANDIR)/man5/vmdeck-guest.5
	install -D -m 0644 $(BUILD)/doc/vmdeck.bash-completion $(DESTDIR)$(BASHCOMPDIR)/vmdeck
	test -e $(DESTDIR)$(SYSCONFDIR)/vmdeck/vmdeck.conf || \
		install -D -m 0644 src/doc/vmdeck.conf.example $(DESTDIR)$(SYSCONFDIR)/vmdeck/vmdeck.conf
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/vmdeck/vms.d
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0644 $(UNITS:%=$(BUILD)/systemd/%) $(DESTDIR)$(SYSTEMDUNITDIR)/
	if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		systemctl daemon-reload && systemctl enable vmdeck.service; fi

# Scheduled backups and verifies (issue 8): their units, and the generator
# that gives the timers their OnCalendar= from vmdeck.conf at each boot and
# daemon-reload. @BINDIR@ and @UNITDIR@ are filled in here.
SYSTEMD_GENDIR  ?= $(PREFIX)/lib/systemd/system-generators
SCHED_UNITS     := vmdeck-backup.service vmdeck-backup.timer vmdeck-verify.service vmdeck-verify.timer
SCHED_FILES     := $(SCHED_UNITS:%=$(BUILD)/systemd/%) $(BUILD)/systemd/vmdeck-generator

$(SCHED_UNITS:%=$(BUILD)/systemd/%): $(BUILD)/systemd/%: src/systemd/% $(BUILD)/systemd/paths
	@mkdir -p $(dir $@)
	sed 's|@BINDIR@|$(PREFIX)/bin|g' $< > $@

# The generator (systemd.generator(7)) is two lines, written here with the install paths.
$(BUILD)/systemd/vmdeck-generator: Makefile $(BUILD)/systemd/paths
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\n# vmdeck-generator: at boot and each daemon-reload, the OnCalendar= of vmdeck-backup.timer and\n# vmdeck-verify.timer from vmdeck.conf, and their enabling links (none without a schedule).\nexec %s schedule --generate "$$1" --unit-dir %s\n' \
		'$(PREFIX)/bin/vmdeck' '$(SYSTEMDUNITDIR)' > $@
	chmod 0755 $@

.PHONY: install-schedule uninstall-schedule
install: install-schedule
install-schedule: $(SCHED_FILES)
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSTEMD_GENDIR)
	install -m 0644 $(SCHED_UNITS:%=$(BUILD)/systemd/%) $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -m 0755 $(BUILD)/systemd/vmdeck-generator $(DESTDIR)$(SYSTEMD_GENDIR)/vmdeck-generator

uninstall: uninstall-schedule
uninstall-schedule:
	rm -f $(SCHED_UNITS:%=$(DESTDIR)$(SYSTEMDUNITDIR)/%) $(DESTDIR)$(SYSTEMD_GENDIR)/vmdeck-generator

# Leaves /etc/vmdeck (the configuration and the guests' definitions) alone.
uninstall:
	if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl disable vmdeck.service || true; fi
	rm -f $(DESTDIR)$(PREFIX)/bin/vmdeck $(UNITS:%=$(DESTDIR)$(SYSTEMDUNITDIR)/%)
	rm -rf $(DESTDIR)$(PREFIX)/share/vmdeck
	rm -f $(DESTDIR)$(MANDIR)/man1/vmdeck.1 $(DESTDIR)$(MANDIR)/man5/vmdeck.conf.5 \
		$(DESTDIR)$(MANDIR)/man5/vmdeck-guest.5 $(DESTDIR)$(BASHCOMPDIR)/vmdeck

clean:
	rm -rf build build-* vmdeck

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(DOC_OBJ:.o=.d) $(UI_OBJ:.o=.d) $(BUILD)/src/main.d
