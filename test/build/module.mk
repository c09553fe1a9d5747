# test/build/: the make interface (make.sh): make help, phony goals named
# like folders, a Pi's build needing only its own packages, no apt-get
# outside run/test/deps, the usual variables, hardened programs.
TEST_SCRIPTS += test/build/make.sh
TEST_DEPS    += $(HOSTDIR)/ducomaster
