# test/build/: the make interface (make.sh): make help, phony goals named
# like folders, a Pi's build needing only its own packages, no apt-get
# outside run/test/deps, the usual variables, hardened programs; man.sh:
# the man pages format cleanly and name every option the programs list;
# layers.sh: the one-way dependency rule of docs/architecture.md;
# bench_combine.sh: make bench's one JSON line of its parts (stand-in parts).
TEST_SCRIPTS += test/build/make.sh test/build/man.sh test/build/layers.sh test/build/bench_combine.sh
TEST_DEPS    += $(INSTALL_PROGS)
