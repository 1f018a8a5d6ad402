# tttd - one GNU Makefile for the library, the tools, the tests and install.
#
#   make            build build/libtttd.a, build/libtttd-tool.a and bin/tttd-*
#   make run        a discovery run on the default task (GPU if present, else CPU)
#   make test       everything CI runs: unit, CLI golden, pipeline, fuzz regression
#   make test-gpu   the GPU suite (on a machine with an NVIDIA GPU; it builds with CUDA=1 itself)
#   make install    PREFIX=/usr/local DESTDIR= : tools, man pages, pipelines, tasks
#
# V=1 shows commands; DEVELOPER=1 adds -Werror; SANITIZE=address,undefined;
# CUDA=auto|1|0 (auto: build the CUDA target when the toolkit headers exist).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
# The tools find the tasks beside themselves, in $(BINDIR)/../share/tttd:
# nothing about the install location is compiled in, so `make install`
# under any PREFIX or DESTDIR installs what `make` built, unchanged.
DATADIR = $(dir $(BINDIR))share/tttd
CUDA_HOME ?= /usr/local/cuda
CUDA ?= auto

CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wno-unused-parameter -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif
# Defined before its first use: a variable expanded while it is still
# undefined is empty, and "address,undefined" then read as one unknown value.
comma := ,
ifneq ($(SANITIZE),)
ifneq ($(filter-out address undefined,$(subst $(comma), ,$(SANITIZE))),)
$(error SANITIZE: unknown value '$(SANITIZE)' (use address, undefined or both))
endif
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif

MSGPACK_LIBS := $(shell pkg-config --libs msgpack-c 2>/dev/null || pkg-config --libs msgpack 2>/dev/null || echo -lmsgpackc)
ZSTD_LIBS := $(shell pkg-config --libs libzstd 2>/dev/null || echo -lzstd)
JANSSON_LIBS := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
CURL_LIBS := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)
SQLITE_LIBS := $(shell pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3)

# The commit the tools are built from, for reports (lib/report/env.c): written to
# build/gen/commit.h only when it changes, so only env.o follows it.  Outside
# a git checkout (a tarball, the container's build context) it is "unknown"
# unless given: make COMMIT=...
COMMIT ?= $(shell [ -e .git ] && git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
hash := \#
$(shell mkdir -p build/gen; c='$(hash)define TTTD_COMMIT "$(COMMIT)"'; [ "$$(cat build/gen/commit.h 2>/dev/null)" = "$$c" ] || echo "$$c" >build/gen/commit.h)

ifeq ($(CUDA),auto)
CUDA := $(if $(wildcard $(CUDA_HOME)/include/nvrtc.h),1,0)
endif

# lib/ is in folders by layer (docs/internals.md): every folder is on the
# include path, so an include names the header alone ("rec.h") wherever it
# is; tests/pipeline/internals_doc.sh keeps the names unique and checks that
# no layer includes a header of a layer above it.
LIB_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard lib/*/*.[ch]))))
CPPFLAGS += $(addprefix -I,$(LIB_DIRS)) -Ibuild/gen -D_GNU_SOURCE
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -MMD -MP
LIBS = $(MSGPACK_LIBS) $(ZSTD_LIBS) $(JANSSON_LIBS) $(CURL_LIBS) $(SQLITE_LIBS) -lm -lpthread -ldl

# Built only with the toolkit: nvrtc.c and the files with "cuda" in their name.
CUDA_SRC := $(wildcard lib/*/nvrtc.c lib/*/*cuda*.c)
ifeq ($(CUDA),1)
CPPFLAGS += -DTTTD_HAVE_CUDA -I$(CUDA_HOME)/include
# Never -lcuda: the driver library exists only where a driver is installed;
# the runtime loads it at run time, so the tools start on machines with no GPU.
LIBS += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lnvrtc -lcudart -lcublas
LIB_SRC := $(wildcard lib/*/*.c)
else
LIB_SRC := $(filter-out $(CUDA_SRC),$(wildcard lib/*/*.c))
endif

LIB_OBJ := $(LIB_SRC:%.c=build/%.o)
TOOL_SRC := $(wildcard tools/tttd-*.c)
# The tools' own code (messages and exits, strict option parsing) is a
# library of its own: libtttd.a never depends on it, and only the tools'
# objects see its headers, so a lib/ file that includes diag.h fails to build.
TOOL_LIB_OBJ := $(patsubst %.c,build/%.o,$(wildcard tools/common/*.c))
TOOLS := $(TOOL_SRC:tools/%.c=bin/%)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
FUZZ_DRIVER := build/tests/fuzz_regression
PIPELINES := $(wildcard pipelines/*.sh)
MANPAGES := $(wildcard man/*.1)

ifeq ($(V),1)
Q =
else
Q = @
endif

.PHONY: all deps run test check unit cli pipeline fuzz test-gpu install uninstall clean format

all: $(TOOLS)

# Objects depend on the flags they were built with, so switching CUDA=,
# SANITIZE= or CFLAGS= rebuilds them instead of mixing builds.
FLAGS_SIG := $(subst ',,$(subst ",,$(CC) $(CPPFLAGS) $(ALL_CFLAGS)))
$(shell mkdir -p build; [ "$$(cat build/.flags 2>/dev/null)" = '$(FLAGS_SIG)' ] || echo '$(FLAGS_SIG)' >build/.flags)

build/%.o: %.c build/.flags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

build/tools/%.o: CPPFLAGS += -Itools/common

build/libtttd.a: $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

build/libtttd-tool.a: $(TOOL_LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

bin/%: build/tools/%.o build/libtttd-tool.a build/libtttd.a
	@mkdir -p bin
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< build/libtttd-tool.a build/libtttd.a $(LIBS)

build/tests/%: build/tests/unit/%.o build/libtttd.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< build/libtttd.a $(LIBS)

$(FUZZ_DRIVER): build/tests/fuzz/regression_driver.o build/tests/fuzz/fuzz_rec.o build/libtttd.a
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) build/libtttd.a $(LIBS)

# Install what the build and the tests need on a fresh Debian machine.
deps:
	@./tests/deps.sh

# A few minutes on a laptop-class CPU; run it again to resume, or call the
# pipeline with a larger --steps to search longer.
run: deps all
	./pipelines/tttd-discover.sh --run runs/default --steps 4 --groups 4 --children 8

check: all $(UNIT_BIN) $(FUZZ_DRIVER)
	@./tests/run-all.sh

test: deps
	@$(MAKE) --no-print-directory check

unit: $(UNIT_BIN)
	@./tests/run-all.sh unit

cli: all
	@./tests/run-all.sh cli

pipeline: all
	@./tests/run-all.sh pipeline

fuzz: $(FUZZ_DRIVER)
	@./tests/run-all.sh fuzz

test-gpu:
	@./tests/gpu/run.sh

# Every installed command is tttd-<verb>: the pipelines are installed
# beside the tools under that name (trimul-discover.sh as
# tttd-trimul-discover), so each finds its sibling tools beside itself.
installed_name = $(patsubst tttd-tttd-%,tttd-%,tttd-$(basename $(notdir $(1))))
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	install -m 644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1
	$(foreach f,$(PIPELINES),install -m 755 $(f) $(DESTDIR)$(BINDIR)/$(call installed_name,$(f)) &&) true
	rm -rf $(DESTDIR)$(DATADIR)/kernels && cp -R kernels $(DESTDIR)$(DATADIR)/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(TOOLS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MANPAGES)))
	rm -f $(foreach f,$(PIPELINES),$(DESTDIR)$(BINDIR)/$(call installed_name,$(f)))
	rm -rf $(DESTDIR)$(DATADIR)

# .clang-format is written for clang-format 14 (what Debian 12 ships);
# tests/pipeline/format.sh checks that this changes nothing.
FORMAT_SRC = $(wildcard lib/*/*.[ch] tools/*.c tools/common/*.[ch] tests/unit/*.[ch])
format:
	clang-format -i $(FORMAT_SRC)

clean:
	rm -rf build bin

.SECONDARY:
-include $(shell find build -name '*.d' 2>/dev/null)
