# tlsanalyze - plain Makefile.  `make` builds ./tlsanalyze; `make check` runs
# every test (installing missing Debian packages first); `make demo` runs the
# tool on a bundled sample.
CC      ?= cc
PREFIX  ?= /usr/local
PKGS    := libpcap libcrypto libssl yaml-0.1 jansson zlib libzstd liblzma
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wimplicit-fallthrough -Wvla \
           -Wstrict-prototypes -Wno-format-nonliteral
CFLAGS  ?= -O2 -g
HARDEN  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
# Link-time optimisation in release builds: the per-packet path crosses
# modules (decode -> cursor, stream -> record layer), and inlining across
# them is worth about 40 % of the analysis time on bulk captures.
LTO     := -flto=auto
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -Werror $(INCS) \
             -DTA_RULES_DIR='"$(PREFIX)/share/tlsanalyze/rules"' \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
LDLIBS  = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# src/ has one folder per stage of the pipeline (README, "How it works");
# each stage's headers sit beside its sources.
SRCS    := $(sort $(wildcard src/*/*.c))
HDRS    := $(sort $(wildcard src/*/*.h))
INCS    := $(patsubst %/,-I%,$(sort $(dir $(SRCS))))
LIBSRCS := $(filter-out src/cli/main.c,$(SRCS))
UNITS   := $(sort $(wildcard tests/unit/test_*.c))

# Debian packages every target needs; `make deps` installs the missing ones.
DEB_BUILD := gcc make pkg-config libpcap-dev libssl-dev libyaml-dev libjansson-dev zlib1g-dev libzstd-dev liblzma-dev
DEB_TEST  := libcmocka-dev tshark tcpdump openssl python3 python3-jsonschema python3-cryptography zstd chromium \
             fonts-dejavu-core cmark-gfm \
             gnutls-bin nginx openjdk-17-jdk-headless nodejs curl man-db iproute2
DEB_FUZZ  := clang libclang-rt-14-dev

.PHONY: all deps deps-test demo check unit fuzz fuzz-run bench install clean
all: tlsanalyze

build/rel/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(HARDEN) $(LTO) -c $< -o $@

build/san/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 $(SAN) -c $< -o $@

tlsanalyze: $(SRCS:%.c=build/rel/%.o)
	$(CC) $(CFLAGS) $(LTO) -o $@ $^ $(LDLIBS)

build/san/tlsanalyze: $(SRCS:%.c=build/san/%.o)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

build/san/tests/%: tests/unit/%.c $(LIBSRCS:%.c=build/san/%.o)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 $(SAN) -o $@ $^ $(LDLIBS) -lcmocka

build/rel/tests/%: tests/unit/%.c $(LIBSRCS:%.c=build/rel/%.o)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LTO) -o $@ $^ $(LDLIBS) -lcmocka

deps:
	@sh tests/install-deps.sh $(DEB_BUILD)

deps-test:
	@sh tests/install-deps.sh $(DEB_BUILD) $(DEB_TEST)

demo: deps
	@$(MAKE) --no-print-directory tlsanalyze
	./tlsanalyze samples/no-sni.pcap || true

unit: $(UNITS:tests/unit/%.c=build/san/tests/%) $(UNITS:tests/unit/%.c=build/rel/tests/%)

check: deps-test
	@$(MAKE) --no-print-directory tlsanalyze build/san/tlsanalyze unit
	@sh tests/run-all.sh

# libFuzzer targets, one per parser (tests/fuzz/fuzz_*.c), built with clang.
FUZZERS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 $(INCS) -fsanitize=fuzzer,address,undefined \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
SECS ?= 60

build/fuzz/%: tests/fuzz/%.c $(LIBSRCS) $(HDRS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $< $(LIBSRCS) $(LDLIBS)

fuzz:
	@sh tests/install-deps.sh $(DEB_BUILD) $(DEB_FUZZ)
	@$(MAKE) --no-print-directory $(FUZZERS)

fuzz-run: fuzz
	@for f in $(FUZZERS); do n=$${f##*/}; mkdir -p build/fuzz/corpus/$$n; \
	  seeds=tests/fuzz/seeds_$${n#fuzz_}; [ -d $$seeds ] || seeds=; \
	  echo "== $$f ($(SECS) s)"; $$f -max_total_time=$(SECS) build/fuzz/corpus/$$n $$seeds || exit 1; done

# `make bench`: issue 14's targets in one table (tests/bench.sh, printed by
# tests/bench_table.py): tlsanalyze against the libpcap read floor and the
# peers (tshark, ssldump, ndpiReader) on the benchmark kit's captures
# (../shared/bench, read-only; ground truth in its MANIFEST.json), peak RSS,
# -j 2 against -j 1, and heap allocations per connection.  About 15 min,
# mostly tshark; BENCH_QUICK=1 takes the two small captures once (~1 min).
# The peers are installed here, not by `make check`.
BENCH_KIT   ?= ../shared/bench
BENCH_DIR   ?= $(HOME)/.cache/tlsa-bench
BENCH_SCALE ?= 1
BENCH_RUNS  ?=
BENCH_QUICK ?= 0
DEB_BENCH   := time tshark ssldump libndpi-bin python3

bench: tlsanalyze build/alloccount.so
	@sh tests/install-deps.sh $(DEB_BUILD) $(DEB_BENCH)
	bash $(BENCH_KIT)/make_bench.sh "$(BENCH_DIR)" $(BENCH_SCALE)
	BENCH_KIT="$(BENCH_KIT)" BENCH_DIR="$(BENCH_DIR)" RUNS="$(BENCH_RUNS)" \
	  BENCH_QUICK="$(BENCH_QUICK)" bash tests/bench.sh

# The counting allocator (LD_PRELOAD) behind tests/alloc_per_conn.py: heap
# allocations per connection of the release binary, as it is.
build/alloccount.so: tests/alloccount.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) -Werror -O2 -fPIC -shared -o $@ $<

install: tlsanalyze
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tlsanalyze/rules
	install -m 755 tlsanalyze $(DESTDIR)$(PREFIX)/bin/tlsanalyze
	install -m 644 rules/*.yaml rules/README.md $(DESTDIR)$(PREFIX)/share/tlsanalyze/rules/
	install -d $(DESTDIR)$(PREFIX)/share/tlsanalyze/rules/data
	install -m 644 rules/data/*.yaml $(DESTDIR)$(PREFIX)/share/tlsanalyze/rules/data/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 docs/tlsanalyze.1 $(DESTDIR)$(PREFIX)/share/man/man1/tlsanalyze.1
	install -m 644 docs/tlsanalyze.bash-completion \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tlsanalyze

clean:
	rm -rf build tlsanalyze
