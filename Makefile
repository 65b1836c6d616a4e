# Quick start: `make run` and `make test`. Both install missing Debian packages first.
BUILD      ?= build
SAN_BUILD  ?= build-san
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: run test build deps configure sanitize fuzz bench package clean

deps:
	@sh scripts/install-deps

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/attnviz

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Everything under AddressSanitizer + UndefinedBehaviorSanitizer at -O1 (CI runs this too): the
# core, app and GUI tests and the monkey (random input through every view) under Xvfb. -g1: line
# tables only, all the sanitizers' stack traces need, and a third less compile time than -g.
sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" \
	  "-DCMAKE_C_FLAGS_DEBUG=-O1 -g1" -DATTNVIZ_SANITIZE=ON -DATTNVIZ_BENCH=OFF $(CMAKE_ARGS)
	cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && ctest --output-on-failure -j $(JOBS)

# libFuzzer on the parsers of untrusted files (tests/fuzz), FUZZ_SECONDS each, under ASan and
# UBSan with clang: only core and the fuzz targets are built. FUZZ_TARGETS picks some (default:
# all). Fails on any crash (input saved in $(FUZZ_BUILD)/artifacts/<target>/).
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only" \
	  -DCMAKE_CXX_COMPILER=clang++ -DATTNVIZ_FUZZ=ON $(CMAKE_ARGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	sh tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: build
	./$(BUILD)/attnviz_bench --benchmark_counters_tabular=true

# A .deb through CPack: build/attnviz_<version>_<arch>.deb (apt install ./build/attnviz_*.deb).
package: build
	cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD)
