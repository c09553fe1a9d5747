# test/foreign: firmware and a master that ducorig did not write the way it
# writes its own, on ducosim and the /dev/i2c stand-in. wire_slave.ino is a
# community-style Wire-library slave built here with Debian's Arduino core
# (arduino-core-avr, found under ARDUINO_AVR at build time; nothing of it is
# in the tree), with platform.txt's flags for a Nano. Its address is compiled
# in: build/foreign/wire_slave_<hex addr>.elf. duco_wire_master.py is a
# python-smbus master of the same kind (one byte per transaction, 50 ms polls).
ARDUINO_AVR  ?= /usr/share/arduino/hardware/arduino/avr
FOREIGN_DIR  := $(BUILD)/foreign
ARDUINO_MCU  := -mmcu=atmega328p -DF_CPU=16000000L -DARDUINO=10807 -DARDUINO_AVR_NANO \
                -DARDUINO_ARCH_AVR
ARDUINO_INC  := -I$(ARDUINO_AVR)/cores/arduino -I$(ARDUINO_AVR)/variants/eightanaloginputs \
                -I$(ARDUINO_AVR)/libraries/Wire/src -I$(ARDUINO_AVR)/libraries/Wire/src/utility
ARDUINO_CFLAGS   := -g -Os -w -std=gnu11 -ffunction-sections -fdata-sections -flto \
                    -fno-fat-lto-objects $(ARDUINO_MCU) $(ARDUINO_INC)
ARDUINO_CXXFLAGS := -g -Os -w -std=gnu++11 -fpermissive -fno-exceptions -ffunction-sections \
                    -fdata-sections -fno-threadsafe-statics -Wno-error=narrowing -flto \
                    $(ARDUINO_MCU) $(ARDUINO_INC)

# The core and Wire, as the Arduino IDE builds them: objects in an archive.
ARDUINO_CORE_C   := $(notdir $(wildcard $(ARDUINO_AVR)/cores/arduino/*.c))
# WString.cpp is left out: gcc-avr 5.4 lacks the DECIMAL_DIG it wants, and a
# sketch without String objects links none of it anyway.
ARDUINO_CORE_CXX := $(filter-out WString.cpp,$(notdir $(wildcard $(ARDUINO_AVR)/cores/arduino/*.cpp)))
ARDUINO_CORE_OBJS := $(ARDUINO_CORE_C:%.c=$(FOREIGN_DIR)/core/%.c.o) \
                     $(ARDUINO_CORE_CXX:%.cpp=$(FOREIGN_DIR)/core/%.cpp.o) \
                     $(FOREIGN_DIR)/wire/Wire.cpp.o $(FOREIGN_DIR)/wire/twi.c.o

$(FOREIGN_DIR)/core/%.c.o: $(ARDUINO_AVR)/cores/arduino/%.c $(MAKEFILE_DEPS)
	@mkdir -p $(@D)
	avr-gcc -c $(ARDUINO_CFLAGS) -o $@ $<
$(FOREIGN_DIR)/core/%.cpp.o: $(ARDUINO_AVR)/cores/arduino/%.cpp $(MAKEFILE_DEPS)
	@mkdir -p $(@D)
	avr-g++ -c $(ARDUINO_CXXFLAGS) -o $@ $<
$(FOREIGN_DIR)/wire/Wire.cpp.o: $(ARDUINO_AVR)/libraries/Wire/src/Wire.cpp $(MAKEFILE_DEPS)
	@mkdir -p $(@D)
	avr-g++ -c $(ARDUINO_CXXFLAGS) -o $@ $<
$(FOREIGN_DIR)/wire/twi.c.o: $(ARDUINO_AVR)/libraries/Wire/src/utility/twi.c $(MAKEFILE_DEPS)
	@mkdir -p $(@D)
	avr-gcc -c $(ARDUINO_CFLAGS) -o $@ $<

$(FOREIGN_DIR)/core.a: $(ARDUINO_CORE_OBJS)
	rm -f $@ && avr-gcc-ar rcs $@ $^

# The sketch: an .ino is C++ with Arduino.h in front (its functions are
# declared before use, so no prototypes need generating). The DUCO-S1
# reference and the CRC-8 come from common/.
FOREIGN_COMMON := $(FOREIGN_DIR)/common/duco_s1.o $(FOREIGN_DIR)/common/duco_sha1.o

$(FOREIGN_DIR)/common/%.o: common/%.c $(MAKEFILE_DEPS) | $(GEN_HEADERS)
	@mkdir -p $(@D)
	avr-gcc -c -Os -std=gnu99 -Wall -Wextra -mmcu=atmega328p -ffunction-sections \
		-fdata-sections -Icommon -I$(GENDIR) -o $@ $<

$(FOREIGN_DIR)/wire_slave_%.elf: test/foreign/wire_slave.ino $(FOREIGN_DIR)/core.a $(FOREIGN_COMMON) \
                                 $(MAKEFILE_DEPS)
	@mkdir -p $(@D)
	avr-g++ -c $(filter-out -w,$(ARDUINO_CXXFLAGS)) -Wall -Wextra -Icommon -I$(GENDIR) \
		-DWIRE_SLAVE_ADDR=0x$* -x c++ -include Arduino.h -o $(@:.elf=.o) $<
	avr-gcc -w -Os -g -flto -fuse-linker-plugin -Wl,--gc-sections -mmcu=atmega328p -o $@ \
		$(@:.elf=.o) $(FOREIGN_COMMON) $(FOREIGN_DIR)/core.a -lm
	@avr-size $@ | tail -1 | awk '{ print "size wire_slave_$*: flash " $$1 + $$2 " ram " $$2 + $$3 }'

WIRE_SLAVE_ELFS := $(foreach a,10 11 12 13,$(FOREIGN_DIR)/wire_slave_$(a).elf)
.PHONY: foreign
foreign: $(WIRE_SLAVE_ELFS)

# make test: the four-board rig in real time, the ADC, the crash report.
TEST_SCRIPTS += test/foreign/test_foreign.py
TEST_DEPS    += $(WIRE_SLAVE_ELFS) $(HOSTDIR)/ducosim $(HOSTDIR)/libducoi2cshim.so \
                $(SIM_PROBE_DIR)/twi_probe_30.elf

# make soak: the same rig as fast as the host allows for SOAK_SECONDS of
# simulated time (default two hours), every job checked, no chip may crash.
SOAK_SECONDS ?= 7200
.PHONY: soak
soak: $(WIRE_SLAVE_ELFS) $(HOSTDIR)/ducosim $(HOSTDIR)/libducoi2cshim.so
	@BUILD=$(BUILD) test/foreign/test_foreign.py --soak $(SOAK_SECONDS)
