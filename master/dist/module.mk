# master/dist: packaging - the systemd unit, the service user, and `make install`.
# Installs the host programs under $(DESTDIR)$(PREFIX)/bin, the unit and the
# sysusers.d entry under $(PREFIX)/lib, the sample configuration under
# $(PREFIX)/share/ducorig, and (only when none exists yet) the live
# configuration /etc/ducorig/ducomaster.json, mode 0640 since it holds the
# mining key. The unit reads /etc whatever PREFIX is. As root on a live
# system (no DESTDIR) it also creates the service user.
BINDIR       ?= $(PREFIX)/bin
UNITDIR      ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR  ?= $(PREFIX)/lib/sysusers.d
DATADIR      ?= $(PREFIX)/share/ducorig
SYSCONFDIR   ?= /etc
INSTALL      ?= install
# DIST_SETUP=no: never create the user or touch the live /etc (tests).
DIST_SETUP   ?= auto

DIST_PROGS    := ducomaster ducoctl ducosim ducopool
DIST_SAMPLE   := master/ducomaster.sample.json

# Programs come from HOST_PROGS at recipe time (all fragments are read by
# then); a program another part has not built into HOST_PROGS is reported.
install: host master/dist/ducomaster.service.in
	@set -e; for p in $(DIST_PROGS); do \
		if echo " $(HOST_PROGS) " | grep -q " $(HOSTDIR)/$$p "; then \
			echo "  INSTALL $(DESTDIR)$(BINDIR)/$$p"; \
			$(INSTALL) -D -m 0755 $(HOSTDIR)/$$p $(DESTDIR)$(BINDIR)/$$p; \
		else \
			echo "install: warning: $$p is not part of this build, skipped" >&2; \
		fi; \
	done
	@# The unit names the installed binary, so it is generated per BINDIR here.
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' master/dist/ducomaster.service.in > $(DESTDIR)$(UNITDIR)/ducomaster.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ducomaster.service
	$(INSTALL) -D -m 0644 master/dist/ducorig.sysusers $(DESTDIR)$(SYSUSERSDIR)/ducorig.conf
	@set -e; if [ -f $(DIST_SAMPLE) ]; then \
		$(INSTALL) -D -m 0644 $(DIST_SAMPLE) $(DESTDIR)$(DATADIR)/ducomaster.sample.json; \
		if [ -e $(DESTDIR)$(SYSCONFDIR)/ducorig/ducomaster.json ]; then \
			echo "  KEEP    $(DESTDIR)$(SYSCONFDIR)/ducorig/ducomaster.json (exists)"; \
		else \
			echo "  INSTALL $(DESTDIR)$(SYSCONFDIR)/ducorig/ducomaster.json (from the sample: edit it)"; \
			$(INSTALL) -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/ducorig; \
			$(INSTALL) -m 0640 $(DIST_SAMPLE) $(DESTDIR)$(SYSCONFDIR)/ducorig/ducomaster.json; \
		fi; \
	else \
		echo "install: warning: $(DIST_SAMPLE) does not exist yet, no configuration installed" >&2; \
	fi
	@set -e; if [ -z "$(DESTDIR)" ] && [ "$(DIST_SETUP)" != no ] && [ "$$(id -u)" -eq 0 ] && command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/ducorig.conf; \
		chgrp -R ducorig $(SYSCONFDIR)/ducorig; \
		systemctl daemon-reload 2>/dev/null || true; \
		echo "installed: edit $(SYSCONFDIR)/ducorig/ducomaster.json, then systemctl enable --now ducomaster"; \
	fi
