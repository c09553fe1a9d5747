# boards.mk - one record per supported slave board.
#
# Each board is a stanza of <board>.<FIELD> variables, read by
# firmware-avr/module.mk:
#   MCU        avr-gcc -mmcu name
#   AVRDUDE_MCU avrdude -p part name
#   F_CPU      clock in Hz (8, 16 or 32 MHz: the elapsed-time timer needs a
#              power-of-two multiple of 8 MHz, checked at compile time)
#   PROG, BAUD avrdude programmer and baud rate of the board's bootloader
#   EEPROM     yes if that bootloader can write EEPROM (then `make flash`
#              writes the I2C address there too); no for Optiboot-class
#              bootloaders, whose fallback is the ADDR compiled in as the
#              default address (see firmware-avr/README.md "Addresses")
#   FUSES      avrdude -U options for ISP programming (`make fuses`), where
#              they matter; the bootloader boards ship with these set
#              (the stock values: see "Where the figures come from" below)
#   WDT_RESET  yes if the bootloader survives a watchdog reset (Optiboot
#              starts the application at once). no for ATmegaBOOT and the
#              stk500v2 Mega bootloader: after a watchdog reset the watchdog
#              keeps running at 16 ms, they wait longer than that for an
#              upload, and the board resets for ever. There the firmware
#              restarts itself by a jump instead (firmware-avr/platform.c).
#   ADDR       default I2C slave address (0x08..0x77)
#   FLASH      bytes of flash available to the application: below the boot
#              section the high fuse reserves (BOOTSZ), not just below the
#              bootloader's own size
#   RAM        bytes of SRAM
#   ID         board id (1..99, never reused): DUCO_BOARD_<BOARD> of enum
#              duco_board, generated into build/gen/duco_boards.h
#   HASH_IMPL  c or asm (firmware-avr/hashcore_c.c or hashcore_asm.S)
#   SENSORS    the on-chip readings the HEALTH answer carries (docs/health.md):
#              vcc (the bandgap against AVcc) and/or temp (the die sensor);
#              none for a chip whose ADC is not the ATmega328P's, so that
#              it reports no reading rather than a wrong one
# Assumes GNU make; included by the top-level Makefile before all modules.
#
# Where the figures come from: the stock boards as the Arduino AVR core's
# boards.txt defines them (Debian's arduino-core-avr ships it:
# /usr/share/arduino/hardware/arduino/avr/boards.txt; fuses as low/high/
# extended, FLASH = upload.maximum_size, BAUD = upload.speed, PROG =
# upload.protocol), and for the LGT8F328P the lgt8fx core (dbuezas/lgt8fx:
# boards.txt, platform.txt and bootloaders/lgt8fx8p/Makefile). On the
# ATmega328P the high fuse's BOOTSZ bits size the boot section: 0xDE =
# 512 bytes (32256 left), 0xDA = 2048 bytes (30720 left). The reset vector
# (BOOTRST) jumps to the start of that section, so the application must end
# below it even when the bootloader in it is smaller: the new-bootloader
# Nano runs the 512-byte Optiboot in a 2 KB section (high fuse 0xDA), so it
# has 30720 bytes, not the Uno's 32256. test/fw/boards.sh checks every image
# against its FLASH.

BOARDS := uno nano nano-oldbootloader promini16 promini8 mega2560 lgt8f328p
BOARD  ?= nano

# Arduino Uno R3: ATmega328P 16 MHz, Optiboot (512 B) at 115200.
uno.MCU         := atmega328p
uno.AVRDUDE_MCU := m328p
uno.F_CPU       := 16000000
uno.PROG        := arduino
uno.BAUD        := 115200
uno.EEPROM      := no
uno.WDT_RESET   := yes
uno.FUSES       := -U lfuse:w:0xFF:m -U hfuse:w:0xDE:m -U efuse:w:0xFD:m
uno.ADDR        := 0x08
uno.FLASH       := 32256
uno.RAM         := 2048
uno.ID          := 1
uno.HASH_IMPL   := asm
uno.SENSORS     := vcc temp

# Arduino Nano (current bootloader): ATmega328P 16 MHz, Optiboot at 115200,
# in a 2 KB boot section (stock high fuse 0xDA, as the old bootloader's).
nano.MCU         := atmega328p
nano.AVRDUDE_MCU := m328p
nano.F_CPU       := 16000000
nano.PROG        := arduino
nano.BAUD        := 115200
nano.EEPROM      := no
nano.WDT_RESET   := yes
nano.FUSES       := -U lfuse:w:0xFF:m -U hfuse:w:0xDA:m -U efuse:w:0xFD:m
nano.ADDR        := 0x08
nano.FLASH       := 30720
nano.RAM         := 2048
nano.ID          := 2
nano.HASH_IMPL   := asm
nano.SENSORS     := vcc temp

# Arduino Nano with the old ATmegaBOOT (2 KB) at 57600; most clones. That
# bootloader does not disable the watchdog: the firmware does it in .init3.
nano-oldbootloader.MCU         := atmega328p
nano-oldbootloader.AVRDUDE_MCU := m328p
nano-oldbootloader.F_CPU       := 16000000
nano-oldbootloader.PROG        := arduino
nano-oldbootloader.BAUD        := 57600
nano-oldbootloader.EEPROM      := yes
nano-oldbootloader.WDT_RESET   := no
nano-oldbootloader.FUSES       := -U lfuse:w:0xFF:m -U hfuse:w:0xDA:m -U efuse:w:0xFD:m
nano-oldbootloader.ADDR        := 0x08
nano-oldbootloader.FLASH       := 30720
nano-oldbootloader.RAM         := 2048
nano-oldbootloader.ID          := 3
nano-oldbootloader.HASH_IMPL   := asm
nano-oldbootloader.SENSORS     := vcc temp

# Pro Mini 5 V: ATmega328P 16 MHz, ATmegaBOOT at 57600.
promini16.MCU         := atmega328p
promini16.AVRDUDE_MCU := m328p
promini16.F_CPU       := 16000000
promini16.PROG        := arduino
promini16.BAUD        := 57600
promini16.EEPROM      := yes
promini16.WDT_RESET   := no
promini16.FUSES       := -U lfuse:w:0xFF:m -U hfuse:w:0xDA:m -U efuse:w:0xFD:m
promini16.ADDR        := 0x08
promini16.FLASH       := 30720
promini16.RAM         := 2048
promini16.ID          := 4
promini16.HASH_IMPL   := asm
promini16.SENSORS     := vcc temp

# Pro Mini 3.3 V: ATmega328P 8 MHz, ATmegaBOOT at 57600; brown-out at 2.7 V.
# Its I2C lines can join a 3.3 V bus (Raspberry Pi) without a level shifter.
promini8.MCU         := atmega328p
promini8.AVRDUDE_MCU := m328p
promini8.F_CPU       := 8000000
promini8.PROG        := arduino
promini8.BAUD        := 57600
promini8.EEPROM      := yes
promini8.WDT_RESET   := no
promini8.FUSES       := -U lfuse:w:0xFF:m -U hfuse:w:0xDA:m -U efuse:w:0xFD:m
promini8.ADDR        := 0x08
promini8.FLASH       := 30720
promini8.RAM         := 2048
promini8.ID          := 5
promini8.HASH_IMPL   := asm
promini8.SENSORS     := vcc temp

# Arduino Mega 2560: 16 MHz, stk500v2 (wiring) bootloader (8 KB) at 115200.
# The 2560 has the bandgap channel (MUX 011110) but no temperature sensor.
mega2560.MCU         := atmega2560
mega2560.AVRDUDE_MCU := m2560
mega2560.F_CPU       := 16000000
mega2560.PROG        := wiring
mega2560.BAUD        := 115200
mega2560.EEPROM      := yes
mega2560.WDT_RESET   := no
mega2560.FUSES       := -U lfuse:w:0xFF:m -U hfuse:w:0xD8:m -U efuse:w:0xFD:m
mega2560.ADDR        := 0x08
mega2560.FLASH       := 253952
mega2560.RAM         := 8192
mega2560.ID          := 6
mega2560.HASH_IMPL   := asm
mega2560.SENSORS     := vcc

# LGT8F328P at 32 MHz (internal RC, prescaler 1). avr-gcc has no such MCU:
# it is built as an ATmega328P with F_CPU 32 MHz plus LGT8F328P_CLOCK, which
# makes the firmware switch the prescaler to 1 at start-up.
# VERIFIED: it builds, fits, and runs in the simulator as an ATmega328P model
# clocked at 32 MHz (same instruction set and TWI/Timer1 registers).
# NOT VERIFIED on real LGT8F328P silicon: its clock switch, its flash-emulated
# EEPROM (so the address falls back to the compiled-in ADDR, EEPROM := no),
# its watchdog and its bootloader's behaviour after a watchdog reset,
# its signature row (DUCOID) and the TWI timing. Flashed with its
# Optiboot-derived bootloader at 57600 as avrdude part m328p: avrdude has no
# LGT8F328P part, and the lgt8fx bootloader is Optiboot built for
# -mmcu=atmega328p, so it answers the ATmega328P's signature (1E 95 0F) and
# speaks STK500v1 (-c arduino), as the lgt8fx core's own upload does
# (-p{build.mcu} with build.mcu=atmega328p). The chip has no fuses or boot
# section: that bootloader is a "virtual boot partition" at 0x7400-0x77FF
# that patches the reset vector, and the top 2 KB hold the emulated EEPROM,
# so the application has 0x0000-0x73FF = 29696 bytes (lgt8fx's
# upload.maximum_size). When it writes page 0 it moves the application's
# reset vector into the watchdog-interrupt vector (and jumps there to start
# it), so an image for it must not use the watchdog interrupt: with
# WDT_RESET := yes this firmware uses watchdog resets only. That bootloader
# starts the application at once after a power-on, brown-out or watchdog
# reset, but clears MCUSR first (the cause goes in r2), so the reset cause
# the firmware reports reads 0 on real LGT boards (not verified). Its ADC
# (12-bit, other references and channel map) is not the 328P's: no readings.
lgt8f328p.MCU         := atmega328p
lgt8f328p.AVRDUDE_MCU := m328p
lgt8f328p.F_CPU       := 32000000
lgt8f328p.PROG        := arduino
lgt8f328p.BAUD        := 57600
lgt8f328p.EEPROM      := no
lgt8f328p.WDT_RESET   := yes
lgt8f328p.FUSES       :=
lgt8f328p.ADDR        := 0x08
lgt8f328p.FLASH       := 29696
lgt8f328p.RAM         := 2048
lgt8f328p.ID          := 7
lgt8f328p.HASH_IMPL   := asm
lgt8f328p.SENSORS     := none
lgt8f328p.CPPFLAGS    := -DLGT8F328P_CLOCK=1

ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error Unknown BOARD '$(BOARD)'. Boards: $(BOARDS))
endif
