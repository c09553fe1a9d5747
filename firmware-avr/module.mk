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
FW_VERSION_MINOR := 0

# Stack reserve the size check adds to data+bss. avr-gcc -fstack-usage on
# the C-core build: main 93 + duco_s1_check 133 + the TWI ISR 19 + its
# callee and return addresses, about 290 bytes at the deepest.
FW_STACK_RESERVE ?= 384

# common/slave.c is not listed: twi.c includes it (its events inline into the ISR).
FW_SRCS := firmware-avr/main.c firmware-avr/twi.c \
           firmware-avr/timer.c firmware-avr/platform.c

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

$$(FW_DIR_$(1))/obj/%.o: %.c $$(MAKEFILE_DEPS) $$(FW_DIR_$(1))/flags.txt | $$(GEN_HEADERS)
	@mkdir -p $$(@D)
	$$(AVR_CC) $$(FW_FLAGS_$(1)) $$(DEPFLAGS) -c -o $$@ $$<

$$(FW_DIR_$(1))/obj/%.o: %.S $$(MAKEFILE_DEPS) $$(FW_DIR_$(1))/flags.txt | $$(GEN_HEADERS)
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
FW_FLASH_ADDR = $(or $(ADDR),$($(BOARD).ADDR))
FW_EEPROM_REC = $(FW_FLASH_ADDR),$(shell printf '0x%02x' $$(( ~$(FW_FLASH_ADDR) & 0xff ))),$(FW_FLASH_ADDR)
FW_AVRDUDE = $(AVRDUDE) -p $($(BOARD).AVRDUDE_MCU) -c $($(BOARD).PROG) \
	-P $(PORT) -b $($(BOARD).BAUD) -D \
	-U flash:w:$(BUILD)/avr-$(BOARD)/firmware.hex:i \
	$(if $(filter yes,$($(BOARD).EEPROM)),-U eeprom:w:$(FW_EEPROM_REC):m)

# A bad PORT or ADDR stops make before it builds anything (and under -n).
ifneq ($(filter flash,$(MAKECMDGOALS)),)
ifeq ($(PORT),)
$(error make flash: set PORT=<serial device>)
endif
ifneq ($(shell a=$$(( $(FW_FLASH_ADDR) )) 2>/dev/null && [ $$a -ge 8 ] && [ $$a -le 119 ] && echo ok),ok)
$(error make flash: ADDR must be 0x08..0x77 (got $(FW_FLASH_ADDR)))
endif
endif
flash: firmware-$(BOARD)
	$(FW_AVRDUDE)

# make fuses BOARD=<b> ISP=<programmer> [ISP_PORT=usb]: ISP only, never needed
# for boards that already run their bootloader.
ISP      ?= usbasp
ISP_PORT ?= usb
fuses:
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
