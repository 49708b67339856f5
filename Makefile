# Pipe: two commands set everything up on a fresh Debian 12 machine.
#   make demo   install what is missing, build, compile and run examples/quickstart.pipe
#   make test   install what is missing, build, run every TAP test with prove
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2
# Debian packages the build and the tests need (the editor tests drive real editors;
# tests/postgres.t starts a private server from `postgresql`, as `nobody` when root;
# tests/graph.t renders `pipec graph` output with Graphviz).
PACKAGES   := cmake gcc make re2c bison perl llvm-19-dev libffi-dev libsqlite3-dev sqlite3 \
              libpq-dev postgresql python3 vim-nox emacs-nox graphviz
# Commands that may come from elsewhere (Node.js from NodeSource, say): COMMAND:PACKAGES,
# installed from Debian only when the command is missing.
TOOLS      := npm:nodejs,npm

.PHONY: all deps configure build demo test test-asan install clean

all: build

# Installs missing packages with apt-get when root; otherwise names them and stops.
deps:
	@missing=""; for pkg in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q 'install ok installed' || \
	    missing="$$missing $$pkg"; done; \
	for tool in $(TOOLS); do command -v $${tool%%:*} >/dev/null 2>&1 || \
	  missing="$$missing $$(echo $${tool#*:} | tr , ' ')"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages:$$missing"; \
	    echo "install them with: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	$(BUILD)/pipec build examples/quickstart.pipe -o $(BUILD)/quickstart
	$(BUILD)/quickstart --stats

test: build
	PIPEC=$(CURDIR)/$(BUILD)/pipec BUILD=$(CURDIR)/$(BUILD) prove -j$(JOBS) $(BUILD)/tests/*.t tests/*.t

# The same suite with AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPIPE_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1 PIPEC=$(CURDIR)/$(ASAN_BUILD)/pipec BUILD=$(CURDIR)/$(ASAN_BUILD) \
	  prove -j$(JOBS) $(ASAN_BUILD)/tests/*.t tests/*.t

# Installs pipec, libpipert.a and the public headers under PREFIX (default /usr/local).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
