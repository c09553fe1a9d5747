# firmware-avr/module.mk - the AVR slave firmware, built per board.
#
# For every board in boards.mk a template instantiates the rules for
# build/avr-<board>/: objects of the firmware and of $(COMMON_SRCS) compiled
# with that board's -mmcu/F_CPU, firmware.elf, firmware.hex and a size
# report after every link. `make firmware` builds $(BOARD) (default nano),
# `make boards` builds all of them. A board whose HASH_IMPL=asm falls back
# to the C core (with a warning) when firmware-avr/hashcore_asm.S is absent,
# so the default build never breaks on missing files. Every object depends
# on the makefiles and on a per-board flags stamp, so a changed flag (board
# record, ADDR=...) rebuilds. Assumes the Debian gcc-avr/avr-libc/binutils-avr.

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

# fw_template(board): rules for build/avr-<board>/.
define fw_template
FW_DIR_$(1)  := $(BUILD)/avr-$(1)
ifeq ($$($(1).HASH_IMPL),asm)
ifneq ($$(wildcard firmware-avr/hashcore_asm.S),)
FW_HASH_$(1) := firmware-avr/hashcore_asm.S
FW_HDEF_$(1) := -DHASH_IMPL_ASM=1
else
$$(warning $(1): HASH_IMPL=asm but firmware-avr/hashcore_asm.S is missing; using the C core)
FW_HASH_$(1) := firmware-avr/hashcore_c.c
FW_HDEF_$(1) :=
endif
else
FW_HASH_$(1) := firmware-avr/hashcore_c.c
FW_HDEF_$(1) :=
endif
# ADDR on the command line (make flash ADDR=...) becomes the compiled default.
FW_ADDR_$(1) := $$(if $$(and $$(ADDR),$$(filter $(1),$$(BOARD))),$$(ADDR),$$($(1).ADDR))
FW_FLAGS_$(1) := -mmcu=$$($(1).MCU) -DF_CPU=$$($(1).F_CPU)UL \
	-DDUCO_BOARD_ID=$$($(1).ID) -DDUCO_DEFAULT_ADDR=$$(FW_ADDR_$(1)) \
	-DFW_WDT_HARD_RESET=$$(if $$(filter yes,$$($(1).WDT_RESET)),1,0) \
	-DFW_VERSION_MAJOR=$(FW_VERSION_MAJOR) -DFW_VERSION_MINOR=$(FW_VERSION_MINOR) \
	$$(FW_HDEF_$(1)) $$($(1).CPPFLAGS) $$(AVR_CFLAGS)
FW_OBJS_$(1) := $$(patsubst %,$$(FW_DIR_$(1))/obj/%.o,$$(basename \
	$$(FW_SRCS) $$(FW_HASH_$(1)) $$(COMMON_SRCS)))

# The stamp changes only when the flags do, so objects rebuild exactly then.
$$(FW_DIR_$(1))/flags.txt: FORCE_FWFLAGS
	@mkdir -p $$(@D)
	@echo '$$(FW_FLAGS_$(1))' | cmp -s - $$@ || echo '$$(FW_FLAGS_$(1))' > $$@

$$(FW_DIR_$(1))/obj/%.o: %.c $$(MAKEFILE_DEPS) $$(FW_DIR_$(1))/flags.txt | $$(GEN_HEADERS)
	@mkdir -p $$(@D)
	$$(AVR_CC) $$(FW_FLAGS_$(1)) $$(DEPFLAGS) -c -o $$@ $$<

$$(FW_DIR_$(1))/obj/%.o: %.S $$(MAKEFILE_DEPS) $$(FW_DIR_$(1))/flags.txt | $$(GEN_HEADERS)
	@mkdir -p $$(@D)
	$$(AVR_CC) $$(FW_FLAGS_$(1)) $$(DEPFLAGS) -c -o $$@ $$<

$$(FW_DIR_$(1))/firmware.elf: $$(FW_OBJS_$(1))
	$$(AVR_CC) -mmcu=$$($(1).MCU) $$(AVR_CFLAGS) $$(AVR_LDFLAGS) \
		-Wl,-Map,$$(FW_DIR_$(1))/firmware.map -o $$@ $$^
	@firmware-avr/fwsize.sh $$@ $(1) $$($(1).FLASH) $$($(1).RAM) $$(FW_STACK_RESERVE)

$$(FW_DIR_$(1))/firmware.hex: $$(FW_DIR_$(1))/firmware.elf
	$$(AVR_OBJCOPY) -O ihex -R .eeprom $$< $$@

.PHONY: firmware-$(1)
firmware-$(1): $$(FW_DIR_$(1))/firmware.hex
endef

.PHONY: FORCE_FWFLAGS firmware boards flash fuses
FORCE_FWFLAGS:
$(foreach b,$(BOARDS),$(eval $(call fw_template,$(b))))

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

flash: firmware-$(BOARD)
	@test -n "$(PORT)" || { echo "make flash: set PORT=<serial device>" >&2; exit 1; }
	@a=$$(( $(FW_FLASH_ADDR) )); test $$a -ge 8 -a $$a -le 119 || \
		{ echo "make flash: ADDR must be 0x08..0x77" >&2; exit 1; }
	$(FW_AVRDUDE)

# make fuses BOARD=<b> ISP=<programmer> [ISP_PORT=usb]: ISP only, never needed
# for boards that already run their bootloader.
ISP      ?= usbasp
ISP_PORT ?= usb
fuses:
	@test -n "$($(BOARD).FUSES)" || { echo "make fuses: no fuses recorded for $(BOARD)" >&2; exit 1; }
	$(AVRDUDE) -p $($(BOARD).AVRDUDE_MCU) -c $(ISP) -P $(ISP_PORT) $($(BOARD).FUSES)

# One line per board for scripts (test/fw/boards.sh):
#   <board> <mcu> <f_cpu> <flash> <ram> <hash_impl> <eeprom> <stack_reserve>
.PHONY: fw-board-info
fw-board-info:
	@$(foreach b,$(BOARDS),echo "$(b) $($(b).MCU) $($(b).F_CPU) $($(b).FLASH) $($(b).RAM) $($(b).HASH_IMPL) $($(b).EEPROM) $(FW_STACK_RESERVE)";)
