# master/dist: installing - the systemd unit, the service user, the state
# directory, `make install` and `make install-dev`.
# `make install` installs what a Pi needs and nothing else: INSTALL_PROGS
# (ducomaster and the user tools) under $(DESTDIR)$(BINDIR), their man pages,
# the unit, the sysusers.d and tmpfiles.d entries under $(PREFIX)/lib, the
# sample configuration under $(DATADIR) and (only when none exists yet) the
# live configuration /etc/ducorig/ducomaster.json: mode 0640 in a 0750
# folder, group ducorig, since it holds the mining key. `make install-dev`
# adds the development servers (DEV_PROGS). As root on a live system (no
# DESTDIR) install also creates the service user and /var/lib/ducorig and
# gives the configuration its group; the Debian package does the same in
# its maintainer scripts (debian/). The directory variables are the top
# Makefile's.
# DIST_SETUP=no: never create the user or touch the live /etc (tests).
DIST_SETUP   ?= auto
DIST_SAMPLE  := master/ducomaster.sample.json
DIST_UNIT    := master/dist/ducomaster.service.in
DIST_CONFDIR := $(SYSCONFDIR)/ducorig

# dist_install_files(mode, dir, files): one INSTALL line per file.
dist_install_files = @set -e; for f in $(3); do \
	echo "  INSTALL $(DESTDIR)$(2)/$$(basename $$f)"; \
	$(INSTALL) -D -m $(1) $$f $(DESTDIR)$(2)/$$(basename $$f); done
# dist_install_man(pages): each page into man<section> by its suffix.
dist_install_man = @set -e; for m in $(1); do \
	d=$(DESTDIR)$(MANDIR)/man$${m\#\#*.}; echo "  INSTALL $$d/$$(basename $$m)"; \
	$(INSTALL) -D -m 0644 $$m $$d/$$(basename $$m); done

.PHONY: install install-dev
install: master $(DIST_UNIT)
	$(call dist_install_files,0755,$(BINDIR),$(INSTALL_PROGS))
	$(call dist_install_man,$(MAN_PAGES))
	@# The unit names the installed binary, so it is generated per BINDIR here.
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' $(DIST_UNIT) > $(DESTDIR)$(UNITDIR)/ducomaster.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ducomaster.service
	$(INSTALL) -D -m 0644 master/dist/ducorig.sysusers $(DESTDIR)$(SYSUSERSDIR)/ducorig.conf
	$(INSTALL) -D -m 0644 master/dist/ducorig.tmpfiles $(DESTDIR)$(TMPFILESDIR)/ducorig.conf
	$(INSTALL) -D -m 0644 $(DIST_SAMPLE) $(DESTDIR)$(DATADIR)/ducomaster.sample.json
	@set -e; if [ -e $(DESTDIR)$(DIST_CONFDIR)/ducomaster.json ]; then \
		echo "  KEEP    $(DESTDIR)$(DIST_CONFDIR)/ducomaster.json (exists)"; \
	else \
		echo "  INSTALL $(DESTDIR)$(DIST_CONFDIR)/ducomaster.json (from the sample: edit it)"; \
		$(INSTALL) -d -m 0750 $(DESTDIR)$(DIST_CONFDIR); \
		$(INSTALL) -m 0640 $(DIST_SAMPLE) $(DESTDIR)$(DIST_CONFDIR)/ducomaster.json; \
	fi
	@set -e; if [ -z "$(DESTDIR)" ] && [ "$(DIST_SETUP)" != no ] && [ "$$(id -u)" -eq 0 ] && command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/ducorig.conf; \
		systemd-tmpfiles --create $(TMPFILESDIR)/ducorig.conf || true; \
		chgrp ducorig $(DIST_CONFDIR) $(DIST_CONFDIR)/ducomaster.json; \
		chmod 0750 $(DIST_CONFDIR); chmod 0640 $(DIST_CONFDIR)/ducomaster.json; \
		systemctl daemon-reload 2>/dev/null || true; \
		echo "installed: edit $(DIST_CONFDIR)/ducomaster.json, then systemctl enable --now ducomaster"; \
	fi

install-dev: sim
	$(call dist_install_files,0755,$(BINDIR),$(DEV_PROGS))
	$(call dist_install_man,$(DEV_MAN_PAGES))

# make deb [ARCH=arm64|armhf]: the Debian packages (debian/) in $(BUILD)/deb/,
# built from a copy of the tree by scripts/deb.sh, checked by lintian. A
# cross build needs the cross-<arch> group (sudo make deps GROUPS=cross-arm64).
ARCH ?=
.PHONY: deb
deb: deps-check-deb $(if $(ARCH),deps-check-cross-$(ARCH),deps-check-firmware)
	scripts/deb.sh $(BUILD)/deb $(ARCH)
