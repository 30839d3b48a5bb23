# cubicle — build, test, install.  `make help` lists the targets.

PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
SBINDIR    ?= $(PREFIX)/sbin
DESTDIR    ?=
CONFDIR     = $(SYSCONFDIR)/cubicle
RUNDIR     ?= /run/cubicle
LIBEXECDIR ?= $(PREFIX)/libexec/cubicle

CC    ?= gcc
CLANG ?= clang
B     ?= build

# The capabilities cubicle-shell is installed with; README.md ("Capabilities")
# explains each one, and tests/integration/test_install.sh checks both agree.
SHELL_CAPS = cap_setpcap,cap_sys_chroot,cap_sys_admin=p
SETCAP    ?= setcap

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wpointer-arith -Wcast-qual -Wwrite-strings -Wundef -Wformat=2 \
       -Wimplicit-fallthrough -Wvla -Wnull-dereference
HARDEN = -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection \
         -fcf-protection=full -fno-common
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) $(HARDEN) -fPIE
override CPPFLAGS += -D_GNU_SOURCE -Ilib -Iconf \
	-DCUBICLE_CONF_PATH='"$(CONFDIR)/cubicle.conf"' -DCUBICLE_RUN_DIR='"$(RUNDIR)"' \
	-DCUBICLE_LIBEXEC_DIR='"$(LIBEXECDIR)"'
override LDFLAGS += -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack -Wl,--as-needed -pie

LIB_SRC   = $(wildcard lib/*.c)
CONF_SRC  = $(wildcard conf/*.c)
SHELL_SRC = $(wildcard shell/*.c)
CTL_SRC   = $(wildcard ctl/*.c)

LIB_OBJ   = $(LIB_SRC:%.c=$(B)/%.o)
CONF_OBJ  = $(CONF_SRC:%.c=$(B)/%.o)
SHELL_OBJ = $(SHELL_SRC:%.c=$(B)/%.o)
CTL_OBJ   = $(CTL_SRC:%.c=$(B)/%.o)

LIBCUBICLE = $(B)/libcubicle.a
HELPERS    = $(B)/cubicle-init $(B)/cubicle-relay $(B)/cubicle-watch
PAMDIR    ?= /lib/$(shell $(CC) -print-multiarch 2>/dev/null)/security
LIBS       = -lcgroup

all: $(B)/cubicle-shell $(B)/cubiclectl $(B)/pam_cubicle.so $(HELPERS)

$(B)/%.o: %.c $(wildcard lib/*.h conf/*.h shell/*.h ctl/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# lib/ and conf/ together: the code every binary shares, linked, never copied.
$(LIBCUBICLE): $(LIB_OBJ) $(CONF_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

# the shell's objects but main: what its unit tests link
SHELL_LIB = $(B)/libcubicle-shell.a
$(SHELL_LIB): $(filter-out $(B)/shell/main.o,$(SHELL_OBJ))
	$(AR) rcs $@ $^

$(B)/cubicle-shell: $(B)/shell/main.o $(SHELL_LIB) $(LIBCUBICLE)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lcap $(LIBS)

$(B)/cubiclectl: $(CTL_OBJ) $(LIBCUBICLE)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# The helpers a session's long-lived processes exec into (lib/helper.h):
# static, so that each costs a few pages of its own and shares its text with
# every other session's. Installed in LIBEXECDIR, which is baked in.
# Not PIE, unlike everything else: a static PIE relocates its data at start
# (16 KiB more of private memory per process) and keeps its brk far from its
# text (three more page-table pages). Their stack, heap and vDSO stay
# randomized; they parse nothing a user writes (the relay copies terminal
# bytes, it does not interpret them).
#
# Built against musl where musl-gcc is installed (Debian: musl-tools), else
# against glibc (HELPER_CC=$(CC) chooses that). glibc's static start-up
# probes the CPU with dozens of CPUID instructions, each a trap to the
# hypervisor on a virtual machine: exec'ing a static glibc program costs
# 0.55 ms there against 0.26 ms for musl's, and cubicle-init is exec'd on
# every login that makes a container (tests/bench/README.md). musl has no
# _FORTIFY_SOURCE; the helpers keep the stack protector and the rest.
# musl-gcc sees no kernel headers of its own: $(B)/musl-include lends it
# the system's linux/, asm/ and asm-generic/, and nothing of glibc's.
ifeq ($(origin HELPER_CC),undefined)
HELPER_CC := $(shell command -v musl-gcc 2>/dev/null || echo $(CC))
endif
HELPER_LDFLAGS = -static -no-pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack
HB = $(B)/helper-obj
ifeq ($(notdir $(HELPER_CC)),musl-gcc)
KERNEL_HEADERS = $(B)/musl-include/.linked
HELPER_CPPFLAGS = -idirafter $(B)/musl-include
HELPER_CFLAGS = $(filter-out -D_FORTIFY_SOURCE=% -fPIE,$(CFLAGS))
$(KERNEL_HEADERS):
	@mkdir -p $(dir $@)
	ln -sfn /usr/include/linux $(dir $@)linux
	ln -sfn /usr/include/asm-generic $(dir $@)asm-generic
	ln -sfn $(firstword $(wildcard /usr/include/$(shell $(CC) -print-multiarch)/asm /usr/include/asm)) \
		$(dir $@)asm
	@touch $@
else
HELPER_CFLAGS = $(filter-out -fPIE,$(CFLAGS))
endif

# each helper's sources, compiled for it alone (a missing one fails the link)
INIT_HSRC  = shell/helper/cubicle-init.c shell/reaper.c lib/util.c
RELAY_HSRC = shell/helper/cubicle-relay.c shell/relay.c shell/pty.c lib/helper.c \
	     lib/safeopen.c lib/util.c
WATCH_HSRC = pam_module/helper/cubicle-watch.c lib/watchd.c lib/session.c lib/record.c \
	     lib/names.c lib/cgroup.c lib/cgroup-cache.c lib/cgroup-v1.c lib/cgroup-v2.c \
	     lib/helper.c lib/safeopen.c lib/util.c

# which compiler built $(HB): a change (musl-tools installed since) rebuilds
# every helper object, never a mix of two libcs
$(HB)/.cc: FORCE
	@mkdir -p $(HB)
	@echo '$(HELPER_CC)' | cmp -s - $@ || echo '$(HELPER_CC)' >$@

$(HB)/%.o: %.c $(wildcard lib/*.h conf/*.h shell/*.h) $(KERNEL_HEADERS) $(HB)/.cc
	@mkdir -p $(dir $@)
	$(HELPER_CC) $(CPPFLAGS) -Ishell $(HELPER_CPPFLAGS) $(HELPER_CFLAGS) -c -o $@ $<

$(B)/cubicle-init: $(INIT_HSRC:%.c=$(HB)/%.o)
	$(HELPER_CC) $(HELPER_CFLAGS) $(HELPER_LDFLAGS) -o $@ $^

$(B)/cubicle-relay: $(RELAY_HSRC:%.c=$(HB)/%.o)
	$(HELPER_CC) $(HELPER_CFLAGS) $(HELPER_LDFLAGS) -o $@ $^

$(B)/cubicle-watch: $(WATCH_HSRC:%.c=$(HB)/%.o)
	$(HELPER_CC) $(HELPER_CFLAGS) $(HELPER_LDFLAGS) -o $@ $^

# The PAM module: the shared code again, compiled as PIC; only pam_sm_* exported
# (pam_module/pam_cubicle.map), no undefined symbols.
PAM_SRC = $(wildcard pam_module/*.c)
# (libcgroup stays out of the login path: lib/cgroup.c says why)
PIC_OBJ = $(PAM_SRC:%.c=$(B)/pic/%.o) $(filter-out $(B)/pic/lib/cgroup-libcgroup.o,$(LIB_SRC:%.c=$(B)/pic/%.o)) \
	  $(CONF_SRC:%.c=$(B)/pic/%.o)

$(B)/pic/%.o: %.c $(wildcard lib/*.h conf/*.h pam_module/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(filter-out -fPIE,$(CFLAGS)) -fPIC -fvisibility=hidden -c -o $@ $<

$(B)/pam_cubicle.so: $(PIC_OBJ) pam_module/pam_cubicle.map
	$(CC) $(filter-out -fPIE,$(CFLAGS)) -fPIC -shared \
		$(filter-out -pie,$(LDFLAGS)) -Wl,--no-undefined \
		-Wl,--version-script=pam_module/pam_cubicle.map -o $@ $(PIC_OBJ) -lpam $(LIBS)

# ---- tests -------------------------------------------------------------

UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
ASAN_B     = $(B)/asan
ASAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# a test may add linker flags (e.g. -Wl,--wrap=write) with UNIT_LDFLAGS_<name>
UNIT_LDFLAGS_test_record = -Wl,--wrap=write -Wl,--wrap=fsync -Wl,--wrap=renameat2
UNIT_LDFLAGS_test_watchd = -Wl,--wrap=session_end_orphan
$(B)/unit/test_ctl_format: ctl/format.c ctl/format.h
$(B)/unit/test_ctl_sshd: ctl/sshd.c ctl/sshd.h

$(B)/unit/%: tests/unit/%.c tests/unit/skip.h $(SHELL_LIB) $(LIBCUBICLE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ishell $(CFLAGS) $(LDFLAGS) $(UNIT_LDFLAGS_$*) -Wno-missing-prototypes \
		-o $@ $< $(filter %.a,$^) -lcmocka -lcap $(LIBS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# The same unit tests, every object rebuilt with ASan and UBSan.
unit-asan:
	$(MAKE) --no-print-directory B=$(ASAN_B) CFLAGS="-O1 -g $(ASAN_FLAGS)" \
		LDFLAGS="$(ASAN_FLAGS)" unit

# libFuzzer target for the config parser. `make fuzz` runs it for FUZZ_TIME
# seconds; `make check` runs the short smoke run.
FUZZ_TIME ?= 60
FUZZ_B     = $(B)/fuzz
FUZZ_FLAGS = -std=gnu11 -O1 -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib -Iconf \
	     -DCUBICLE_CONF_PATH='"$(CONFDIR)/cubicle.conf"' -DCUBICLE_RUN_DIR='"$(RUNDIR)"'

$(FUZZ_B)/fuzz_conf: tests/fuzz/fuzz_conf.c $(LIB_SRC) $(CONF_SRC) $(wildcard lib/*.h conf/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_conf.c $(LIB_SRC) $(CONF_SRC) $(LIBS)

fuzz: $(FUZZ_B)/fuzz_conf
	@mkdir -p $(FUZZ_B)/corpus
	$(FUZZ_B)/fuzz_conf -max_total_time=$(FUZZ_TIME) -max_len=4096 $(FUZZ_B)/corpus tests/fuzz/corpus

fuzz-smoke: $(FUZZ_B)/fuzz_conf
	@mkdir -p $(FUZZ_B)/corpus
	$(FUZZ_B)/fuzz_conf -max_total_time=15 -max_len=4096 $(FUZZ_B)/corpus tests/fuzz/corpus

# A static probe run inside containers by the integration tests.
$(B)/probe: tests/probe/probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

# Integration tests: real namespaces and mounts, as root. They skip (exit 77)
# without root; under CI=true a skip is a failure.
integration: all $(B)/probe
	@tests/integration/run.sh $(TESTS) || [ $$? -eq 77 ]

# What building and testing needs, from Debian's packages (root only; without
# root it names what is missing).
deps:
	@scripts/install-deps.sh

check: deps
	$(MAKE) --no-print-directory all unit unit-asan fuzz-smoke man-check integration
	@echo "make check: all tests passed"

# Benchmarks (tests/bench/README.md): sudo make bench [CASE=shell,ssh,...] [QUICK=1].
# They print figures and assert nothing; not part of `make check`.
bench: all
	@CASE='$(CASE)' QUICK='$(QUICK)' FAVORDYNMODS='$(FAVORDYNMODS)' tests/bench/run.sh

# ---- analysis ----------------------------------------------------------

format-check:
	clang-format --dry-run --Werror lib/*.[ch] conf/*.[ch] shell/*.[ch] shell/helper/*.c ctl/*.[ch] \
		pam_module/*.[ch] pam_module/helper/*.c

analyze:
	cppcheck --enable=warning,portability,performance --error-exitcode=1 --quiet \
		--inline-suppr -D_GNU_SOURCE -DCUBICLE_CONF_PATH=\"/etc/cubicle/cubicle.conf\" \
		-DCUBICLE_RUN_DIR=\"/run/cubicle\" \
		-Ilib -Iconf -Ishell lib conf shell ctl pam_module

# ---- install -----------------------------------------------------------

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(CONFDIR) $(DESTDIR)$(CONFDIR)/cubicle.conf.d
	install -m 0755 $(B)/cubicle-shell $(DESTDIR)$(SBINDIR)/cubicle-shell
	$(SETCAP) $(SHELL_CAPS) $(DESTDIR)$(SBINDIR)/cubicle-shell
	install -m 0755 $(B)/cubiclectl $(DESTDIR)$(SBINDIR)/cubiclectl
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(B)/cubicle-init $(B)/cubicle-watch $(DESTDIR)$(LIBEXECDIR)/
	install -m 0711 $(B)/cubicle-relay $(DESTDIR)$(LIBEXECDIR)/
	install -d $(DESTDIR)$(PAMDIR)
	install -m 0644 $(B)/pam_cubicle.so $(DESTDIR)$(PAMDIR)/pam_cubicle.so
	@if [ -e $(DESTDIR)$(CONFDIR)/cubicle.conf ]; then \
		echo "keeping existing $(DESTDIR)$(CONFDIR)/cubicle.conf"; \
	else \
		install -m 0644 conf/cubicle.conf $(DESTDIR)$(CONFDIR)/cubicle.conf; \
	fi

# Removes the binaries, and the config only while it is unchanged from ours.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/cubicle-shell $(DESTDIR)$(SBINDIR)/cubiclectl
	rm -f $(DESTDIR)$(PAMDIR)/pam_cubicle.so
	rm -f $(DESTDIR)$(LIBEXECDIR)/cubicle-init $(DESTDIR)$(LIBEXECDIR)/cubicle-relay \
		$(DESTDIR)$(LIBEXECDIR)/cubicle-watch
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null
	@if [ -e $(DESTDIR)$(CONFDIR)/cubicle.conf ] && \
	    ! cmp -s conf/cubicle.conf $(DESTDIR)$(CONFDIR)/cubicle.conf; then \
		echo "keeping modified $(DESTDIR)$(CONFDIR)/cubicle.conf"; \
	else \
		rm -f $(DESTDIR)$(CONFDIR)/cubicle.conf; \
	fi
	-rmdir $(DESTDIR)$(CONFDIR)/cubicle.conf.d $(DESTDIR)$(CONFDIR) 2>/dev/null

# ---- demo --------------------------------------------------------------

demo: deps
	scripts/demo.sh

demo-clean:
	scripts/demo.sh --clean

clean:
	rm -rf $(B)

help:
	@echo "make              build cubicle-shell and cubiclectl"
	@echo "sudo make check   every test (unit, ASan/UBSan, fuzz smoke, integration)"
	@echo "sudo make demo    see cubicle work; sudo make demo-clean removes it"
	@echo "make install      PREFIX=$(PREFIX) SYSCONFDIR=$(SYSCONFDIR) DESTDIR="
	@echo "make fuzz         run the config fuzzer for FUZZ_TIME=$(FUZZ_TIME) s"
	@echo "sudo make bench   benchmarks (CASE=..., QUICK=1); tests/bench/README.md"
	@echo "make format-check analyze"
	@echo "make deb | rpm    packages (packaging/README.md); make man-check"
	@echo "make deps         install missing build and test packages (root)"


FORCE:

.PHONY: FORCE bench deps all unit unit-asan fuzz fuzz-smoke integration check format-check analyze \
	install uninstall demo demo-clean clean help

# ---- packaging (issue 5) ----
# Man pages, and the Debian and RPM packages (packaging/README.md).

MANDIR  ?= $(PREFIX)/share/man
MAN_SRC  = $(wildcard packaging/man/*.[1-8])
PKG_OUT ?= $(B)/pkg

# `make install` and `make uninstall` also (un)install the man pages.
install: install-man
uninstall: uninstall-man

install-man:
	@set -e; for m in $(MAN_SRC); do \
		d=$(DESTDIR)$(MANDIR)/man$${m##*.}; \
		install -d $$d && install -m 0644 $$m $$d/; \
	done

uninstall-man:
	@for m in $(MAN_SRC); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done

# What `install` installs, into an empty DESTDIR, without the setcap (a
# .deb cannot carry file capabilities: the postinst sets them; the RPM has
# %caps) and without needing root. tests/integration/test_packaging.sh checks
# that it installs the same files as `install`.
install-dist:
	$(MAKE) --no-print-directory install SETCAP=:

# The man pages render without a warning (groff -ww), man-db can read their
# NAME lines, and cubicle.conf(5) documents exactly the keys the parser knows,
# each with a type, a default that is the real one, and a valid example.
man-check: $(B)/unit/test_man
	@packaging/man-check.sh $(MAN_SRC)
	@$(B)/unit/test_man

# dpkg-buildpackage -us -uc -b in a copy of the source tree (debian/ never
# appears in the work tree); the .deb lands in $(PKG_OUT)/deb, lintian runs
# when installed.
deb:
	packaging/build-deb.sh $(PKG_OUT)/deb

# rpmbuild -bb of packaging/rpm/cubicle.spec; the .rpm lands in $(PKG_OUT)/rpm.
rpm:
	packaging/build-rpm.sh $(PKG_OUT)/rpm

.PHONY: install-man uninstall-man install-dist man-check deb rpm
