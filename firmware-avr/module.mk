# firmware-avr/module.mk - the AVR slave firmware, built per board.
#
# For every board in boards.mk a template instantiates the rules for
# build/avr-<board>/: objects of the firmware and of $(COMMON_SRCS) compiled
# with that board's -mmcu/F_CPU, firmware.elf, firmware.hex and a size
# report after every link. `make firmware` builds $(BOARD) (default nano),
# `make boards` builds all of them. Other images of a board (another core,
# test flags) are the same template under another name; test/fw/module.mk
# makes the ones the tests run. A board whose HASH_IMPL=asm needs the
# generated, committed firmware-avr/hashcore_asm.S: without it the build
# stops (the C core is 7x slower; it is chosen, never fallen back to). Every
# object depends on the makefiles and on a per-image flags stamp, so a
# changed flag (board record, ADDR=...) rebuilds. Assumes the Debian
# gcc-avr/avr-libc/binutils-avr.

AVR_CC      ?= avr-gcc
AVR_OBJCOPY ?= avr-objcopy
AVR_SIZE    ?= avr-size
AVRDUDE     ?= avrdude

FW_VERSION_MAJOR := 1
FW_VERSION_MINOR := 1

# Stack reserve the size check adds to data+bss. avr-gcc -fstack-usage on
# the C-core build: main 93 + duco_s1_check 133 + the TWI ISR 19 + its
# callee and return addresses, about 290 bytes at the deepest.
FW_STACK_RESERVE ?= 384

# common/slave.c is not listed: twi.c includes it (its events inline into the ISR).
FW_SRCS := firmware-avr/main.c firmware-avr/twi.c \
           firmware-avr/timer.c firmware-avr/platform.c firmware-avr/health.c

AVR_CWARN  := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
              -Wno-unused-parameter
ifneq ($(CI),)
AVR_CWARN  += -Werror
endif
AVR_OPT    ?= -Os
AVR_CFLAGS := $(AVR_OPT) -std=gnu99 $(AVR_CWARN) -ffunction-sections -fdata-sections \
              -fno-strict-aliasing -Icommon -I$(GENDIR) -Ifirmware-avr
AVR_LDFLAGS := -Wl,--gc-sections

# fw_image(image, board, core, extra flags): rules for build/avr-<image>/,
# the firmware of <board>'s boards.mk record on the c or asm hashing core.
define fw_image
FW_DIR_$(1)  := $(BUILD)/avr-$(1)
ifeq ($(3),asm)
FW_HASH_$(1) := firmware-avr/hashcore_asm.S
FW_HDEF_$(1) := -DHASH_IMPL_ASM=1
else
FW_HASH_$(1) := firmware-avr/hashcore_c.c
FW_HDEF_$(1) :=
endif
# ADDR on the command line (make flash ADDR=...) becomes the compiled default.
FW_ADDR_$(1) := $$(if $$(and $$(ADDR),$$(filter $(1),$$(BOARD))),$$(ADDR),$$($(2).ADDR))
FW_FLAGS_$(1) := -mmcu=$$($(2).MCU) -DF_CPU=$$($(2).F_CPU)UL \
	-DDUCO_BOARD_ID=$$($(2).ID) -DDUCO_DEFAULT_ADDR=$$(FW_ADDR_$(1)) \
	-DFW_WDT_HARD_RESET=$$(if $$(filter yes,$$($(2).WDT_RESET)),1,0) \
	-DFW_SENSE_VCC=$$(if $$(filter vcc,$$($(2).SENSORS)),1,0) \
	-DFW_SENSE_TEMP=$$(if $$(filter temp,$$($(2).SENSORS)),1,0) \
	-DFW_VERSION_MAJOR=$(FW_VERSION_MAJOR) -DFW_VERSION_MINOR=$(FW_VERSION_MINOR) \
	$$(FW_HDEF_$(1)) $$($(2).CPPFLAGS) $(4) $$(AVR_CFLAGS)
FW_OBJS_$(1) := $$(patsubst %,$$(FW_DIR_$(1))/obj/%.o,$$(basename \
	$$(FW_SRCS) $$(FW_HASH_$(1)) $$(COMMON_SRCS)))

# The stamp is rewritten only when the flags differ from the last build's
# (compared while make reads this file), so objects rebuild exactly then and
# `make -n` shows the truth without writing anything.
FW_STAMP_$(1) := $$(file <$$(FW_DIR_$(1))/flags.txt)
ifneq ($$(FW_STAMP_$(1)),$$(FW_FLAGS_$(1)))
$$(FW_DIR_$(1))/flags.txt: FORCE_FWFLAGS
endif
$$(FW_DIR_$(1))/flags.txt:
	@mkdir -p $$(@D)
	@echo '$$(FW_FLAGS_$(1))' > $$@

$$(FW_DIR_$(1))/obj/%.o: %.c $$(MAKEFILE_DEPS) $$(FW_DIR_$(1))/flags.txt | $$(GEN_HEADERS) deps-check-firmware
	@mkdir -p $$(@D)
	$$(AVR_CC) $$(FW_FLAGS_$(1)) $$(DEPFLAGS) -c -o $$@ $$<

$$(FW_DIR_$(1))/obj/%.o: %.S $$(MAKEFILE_DEPS) $$(FW_DIR_$(1))/flags.txt | $$(GEN_HEADERS) deps-check-firmware
	@mkdir -p $$(@D)
	$$(AVR_CC) $$(FW_FLAGS_$(1)) $$(DEPFLAGS) -c -o $$@ $$<

$$(FW_DIR_$(1))/firmware.elf: $$(FW_OBJS_$(1))
	$$(AVR_CC) -mmcu=$$($(2).MCU) $$(AVR_CFLAGS) $$(AVR_LDFLAGS) \
		-Wl,-Map,$$(FW_DIR_$(1))/firmware.map -o $$@ $$^
	@firmware-avr/fwsize.sh $$@ $(1) $$($(2).FLASH) $$($(2).RAM) $$(FW_STACK_RESERVE)

$$(FW_DIR_$(1))/firmware.hex: $$(FW_DIR_$(1))/firmware.elf
	$$(AVR_OBJCOPY) -O ihex -R .eeprom $$< $$@

.PHONY: firmware-$(1)
firmware-$(1): $$(FW_DIR_$(1))/firmware.hex
endef

# The asm core is generated (scripts/gen-hashcore-asm.py) and committed; a
# tree without it cannot build the asm boards.
firmware-avr/hashcore_asm.S:
	$(error $@ is missing and the HASH_IMPL=asm boards need it: restore it, or regenerate it with python3 scripts/gen-hashcore-asm.py $@)

.PHONY: FORCE_FWFLAGS firmware boards flash fuses
FORCE_FWFLAGS:
$(foreach b,$(BOARDS),$(eval $(call fw_image,$(b),$(b),$($(b).HASH_IMPL),)))

firmware: firmware-$(BOARD)
boards: $(addprefix firmware-,$(BOARDS))

# --- programming ------------------------------------------------------------
# make flash BOARD=<b> PORT=<dev> ADDR=<0x08..0x77>
# ADDR is compiled in as the default address (the fallback that works with
# every bootloader); when the board's bootloader can write EEPROM, the
# address record (address, complement, address) is written there as well.
# firmware-avr/ducorig-flash composes the avrdude command (the same helper
# the ducorig-firmware package installs); under make -n it runs with
# --dry-run and prints that command, so `make -n flash` shows it exactly.
FW_FLASH_ADDR = $(or $(ADDR),$($(BOARD).ADDR))
FW_FLASH = AVRDUDE=$(AVRDUDE) firmware-avr/ducorig-flash $(if $(DEPS_DRY_RUN),--dry-run) \
	--part $($(BOARD).AVRDUDE_MCU) --programmer $($(BOARD).PROG) --baud $($(BOARD).BAUD) \
	--eeprom $($(BOARD).EEPROM) --image-addr $(FW_FLASH_ADDR) --addr $(FW_FLASH_ADDR) \
	--port $(PORT) $(BUILD)/avr-$(BOARD)/firmware.hex

# A bad PORT or ADDR stops make before it builds anything (and under -n).
ifneq ($(filter flash,$(MAKECMDGOALS)),)
ifeq ($(PORT),)
$(error make flash: set PORT=<serial device>)
endif
ifneq ($(shell a=$$(( $(FW_FLASH_ADDR) )) 2>/dev/null && [ $$a -ge 8 ] && [ $$a -le 119 ] && echo ok),ok)
$(error make flash: ADDR must be 0x08..0x77 (got $(FW_FLASH_ADDR)))
endif
endif
flash: firmware-$(BOARD) $(if $(DEPS_DRY_RUN),,deps-check-flash)
	+$(FW_FLASH)

# The prebuilt images the ducorig-firmware package ships (make firmware-dist):
# every board's hex at its boards.mk default address, and the board table
# ducorig-flash --board reads, generated from boards.mk:
#   <board> <avrdude part> <programmer> <baud> <eeprom> <default address>
FW_DIST_DIR := $(BUILD)/firmware
FW_DIST_LINES = echo '\# board part programmer baud eeprom address (generated from boards.mk)'; \
	$(foreach b,$(BOARDS),echo '$(b) $($(b).AVRDUDE_MCU) $($(b).PROG) $($(b).BAUD) $($(b).EEPROM) $($(b).ADDR)';)
$(FW_DIST_DIR)/boards.txt: $(MAKEFILE_DEPS)
	@mkdir -p $(@D)
	@{ $(FW_DIST_LINES) } > $@
$(FW_DIST_DIR)/%.hex: $(BUILD)/avr-%/firmware.hex
	@mkdir -p $(@D)
	cp $< $@
ifneq ($(and $(ADDR),$(filter firmware-dist install-firmware,$(MAKECMDGOALS))),)
$(error make firmware-dist: the images carry each board's default address; drop ADDR=)
endif
MAN_FIRMWARE := firmware-avr/ducorig-flash.1
.PHONY: firmware-dist install-firmware
firmware-dist: $(FW_DIST_DIR)/boards.txt $(BOARDS:%=$(FW_DIST_DIR)/%.hex)

# make install-firmware: the images, the table, ducorig-flash and its man
# page (what the ducorig-firmware package holds).
install-firmware: firmware-dist
	$(INSTALL) -d $(DESTDIR)$(DATADIR)/firmware $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0644 $(FW_DIST_DIR)/boards.txt $(BOARDS:%=$(FW_DIST_DIR)/%.hex) $(DESTDIR)$(DATADIR)/firmware/
	sed 's|^FWDIR=.*|FWDIR=$${DUCORIG_FIRMWARE_DIR:-$(DATADIR)/firmware}|' firmware-avr/ducorig-flash \
		> $(DESTDIR)$(BINDIR)/ducorig-flash
	chmod 0755 $(DESTDIR)$(BINDIR)/ducorig-flash
	$(INSTALL) -m 0644 $(MAN_FIRMWARE) $(DESTDIR)$(MANDIR)/man1/

# make fuses BOARD=<b> ISP=<programmer> [ISP_PORT=usb]: ISP only, never needed
# for boards that already run their bootloader.
ISP      ?= usbasp
ISP_PORT ?= usb
fuses: deps-check-flash
	@test -n "$($(BOARD).FUSES)" || { echo "make fuses: no fuses recorded for $(BOARD)" >&2; exit 1; }
	$(AVRDUDE) -p $($(BOARD).AVRDUDE_MCU) -c $(ISP) -P $(ISP_PORT) $($(BOARD).FUSES)

# One line per board for the tests (test/fw/boards.sh, test/asm):
#   <board> <mcu> <f_cpu> <flash> <ram> <hash_impl> <eeprom> <stack_reserve>
# rewritten only when it changes. `make fw-board-info` prints it.
FW_BOARD_INFO := $(BUILD)/fw-boards.txt
FW_BOARD_LINES = $(foreach b,$(BOARDS),echo "$(b) $($(b).MCU) $($(b).F_CPU) $($(b).FLASH) $($(b).RAM) $($(b).HASH_IMPL) $($(b).EEPROM) $(FW_STACK_RESERVE)";)
$(FW_BOARD_INFO): FORCE_FWFLAGS
	@mkdir -p $(@D)
	@{ $(FW_BOARD_LINES) } | cmp -s - $@ || { $(FW_BOARD_LINES) } > $@
.PHONY: fw-board-info
fw-board-info: $(FW_BOARD_INFO)
	@cat $<
