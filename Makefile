# Quick start: `make run` and `make test`. Both install missing Debian packages first.
BUILD      ?= build
SAN_BUILD  ?= build-san
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: run test build deps configure sanitize bench package clean

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

# Core and its tests under AddressSanitizer + UndefinedBehaviorSanitizer (CI runs this too).
sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DATTNVIZ_CORE_ONLY=ON -DATTNVIZ_SANITIZE=ON
	cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	./$(BUILD)/attnviz_bench --benchmark_counters_tabular=true

# A .deb through CPack: build/attnviz_<version>_<arch>.deb (apt install ./build/attnviz_*.deb).
package: build
	cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
