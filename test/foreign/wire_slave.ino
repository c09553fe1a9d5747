/*
 * wire_slave.ino - a Duino-Coin I2C slave written the way community sketches
 * are: the Arduino core's Wire library, onReceive/onRequest callbacks, a text
 * protocol and a CRC8, hashing in loop() without ever sleeping.
 *
 * Not ducorig firmware and not ducorig's protocol: it is the foreign image
 * ducosim and the /dev/i2c stand-in must serve as hardware would. Built with
 * Debian's arduino-core-avr (test/foreign/module.mk), its address compiled in
 * (WIRE_SLAVE_ADDR), as community images are. The protocol, as Raspberry Pi
 * masters in Python drive such slaves:
 *  - the master writes the job "LASTHASH,EXPECTED,DIFF\n" (40 + 40 lowercase
 *    hex, decimal difficulty), one byte per transaction (SMBus send byte) or
 *    in chunks of up to 32 bytes (I2C block writes); the newline starts the
 *    search over nonces 0..100*DIFF in loop();
 *  - every read of one byte (SMBus receive byte) returns the next character
 *    of the result line "NONCE,MICROS,CRC\n" (CRC: CRC-8 poly 0x07 of the
 *    text before the last comma, two hex digits), or 0 while there is none;
 *  - a write of the single byte 'B' makes the next read a block: the rest of
 *    the result line in one go (an I2C block read with command 'B');
 *  - a write of the single byte 'A' asks for the chip's health, as sketches
 *    that report temperature do: the next line read is "TEMP,BANDGAP,CRC\n",
 *    the raw ADC readings of the temperature sensor (1.1 V reference) and
 *    of the bandgap against AVcc (from which Vcc = 1.1 V * 1024 / BANDGAP).
 * Bytes arriving while a job runs are dropped, as they are by such sketches.
 * The hashing is common/duco_s1's slow reference (one SHA-1 per nonce), about
 * what community sketches spend. Assumes an ATmega328P at 16 MHz.
 */
#include <Wire.h>
#include <string.h>

extern "C" {
#include "duco_s1.h"
#include "duco_crc8.h"
}

#ifndef WIRE_SLAVE_ADDR
#define WIRE_SLAVE_ADDR 0x10
#endif

static char job[100];                   /* the job line being received */
static uint8_t job_len;
static volatile bool job_ready;         /* a whole line is in job[] */
static volatile bool busy;              /* loop() is searching */
static char result[32];                 /* "NONCE,MICROS,CRC\n" */
static volatile uint8_t result_len, result_pos;
static volatile bool block_read;        /* next onRequest sends a block */
static volatile bool analog_wanted;     /* 'A' received: loop() reads the ADC */

static void on_receive(int n)
{
	while (Wire.available()) {
		char c = (char)Wire.read();

		if (n == 1 && c == 'B') {
			block_read = true;
			continue;
		}
		if (n == 1 && c == 'A') {
			analog_wanted = true;
			continue;
		}
		if (busy || job_ready)
			continue;
		if (c == '\n') {
			job[job_len] = '\0';
			job_len = 0;
			job_ready = true;
		} else if (job_len < sizeof(job) - 1) {
			job[job_len++] = c;
		}
	}
}

static void on_request(void)
{
	if (block_read) {
		block_read = false;
		if (result_pos < result_len) {
			Wire.write((const uint8_t *)result + result_pos, result_len - result_pos);
			result_pos = result_len;
		}
		return;
	}
	if (result_pos < result_len)
		Wire.write(result[result_pos++]);
	/* nothing written: the Wire library sends 0 */
}

static void hex2(uint8_t v, char *out)
{
	const char *digits = "0123456789abcdef";

	out[0] = digits[v >> 4];
	out[1] = digits[v & 15];
}

/* Publish "A,B,crc\n" (crc over "A,B") as the next result line. */
static void publish(unsigned long a, unsigned long b)
{
	char line[32];
	uint8_t n, crc = 0;

	n = (uint8_t)snprintf(line, sizeof(line), "%lu,%lu,", a, b);
	for (uint8_t i = 0; i + 1 < n; i++)
		crc = duco_crc8_bitwise(crc, (uint8_t)line[i]);
	hex2(crc, line + n);
	line[n + 2] = '\n';
	noInterrupts();
	memcpy(result, line, n + 3);
	result_len = (uint8_t)(n + 3);
	result_pos = 0;
	interrupts();
}

/* One conversion of ADMUX's channel and reference. */
static unsigned int adc_read(uint8_t admux)
{
	ADMUX = admux;
	delay(2);                       /* let the reference settle */
	ADCSRA |= _BV(ADSC);
	while (bit_is_set(ADCSRA, ADSC))
		;
	return ADCW;
}

/* Search the job in job[]; put the answer in result[]. */
static void run_job(void)
{
	char last[40];
	uint8_t expected[20], digest[20];
	unsigned long diff, nonce, t0, elapsed;

	if (strlen(job) < 83 || job[40] != ',' || job[81] != ',' ||
	    duco_hex_to_bin(job + 41, expected, 20) != 0)
		return;
	memcpy(last, job, 40);
	diff = strtoul(job + 82, NULL, 10);
	t0 = micros();
	for (nonce = 0; nonce <= 100 * diff; nonce++) {
		duco_s1_hash(last, nonce, digest);
		if (memcmp(digest, expected, 20) == 0)
			break;
	}
	elapsed = micros() - t0;
	if (nonce > 100 * diff)
		nonce = 0;
	publish(nonce, elapsed);
}

void setup()
{
	Wire.begin(WIRE_SLAVE_ADDR);
	Wire.onReceive(on_receive);
	Wire.onRequest(on_request);
}

void loop()
{
	if (analog_wanted) {
		unsigned int temp, bandgap;

		analog_wanted = false;
		temp = adc_read(_BV(REFS1) | _BV(REFS0) | 8);   /* sensor, 1.1 V ref */
		bandgap = adc_read(_BV(REFS0) | 14);            /* bandgap, AVcc ref */
		publish(temp, bandgap);
	}
	if (job_ready) {
		busy = true;
		job_ready = false;
		run_job();
		busy = false;
	}
}
