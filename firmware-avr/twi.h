/*
 * twi.h - the TWI (I2C) slave driver: the one file that touches the TWI
 * registers.
 *
 * Its interrupt handler only turns TWSR status codes into slave.h events and
 * releases the clock; everything else happens in slave.c or the main loop.
 * Assumes an AVR with the TWI peripheral (TWAR/TWCR/TWDR/TWSR, TWI_vect).
 */
#ifndef TWI_H
#define TWI_H

#include <stdint.h>
#include "slave.h"

/* The state machine the handler drives; the main loop uses it through the
 * slave.h main-loop functions. Initialise it (slave_init) before twi_init. */
extern struct slave twi_slave;

/* Answer at addr (TWAR is set before TWEN). */
void twi_init(uint8_t addr);
/* Off: the slave NACKs its address and holds neither line (before a
 * restart, and first thing at start-up, which may follow a restart by jump
 * with the TWI still enabled). */
void twi_stop(void);

/* Answer at a new address from now on (called from the main loop). */
void twi_set_addr(uint8_t addr);

/*
 * Drop out of a stalled transaction: the state machine gets a bus-error
 * event (the half frame is discarded and counted), and disabling the TWI
 * releases SDA and SCL (a slave left holding SDA low blocks every other
 * slave on the bus); then it listens again at the same address. Main loop
 * only; safe with interrupts on.
 */
void twi_reset(void);

#endif
