#!/usr/bin/python3
"""matrix.py - the /dev/i2c-N stand-in's request matrix, C and Python.

Starts ducosim (as fast as possible) with test/i2cshim/smbus_dev.c's image at
0x50, maps /dev/i2c-78 to its socket and /dev/i2c-79 to a socket nobody
serves, and runs, each under LD_PRELOAD=libducoi2cshim.so, the C matrix
build/host/test/test_i2cshim (libi2c and raw i2c-dev ioctls) and this file
again as the Python matrix (--child). Runs under /usr/bin/python3, where
Debian's python3-smbus and python3-smbus2 install.

The Python matrix: bus BUS mapped to the device, bus NOSIM to nothing. Every method of smbus.SMBus once, the way Raspberry Pi
masters call them (write_byte and write_i2c_block_data are the two the
stand-in used to refuse), with the bytes checked on the wire through the
device's write log and the errors checked as OSError errno values.
Usage: matrix.py            (the whole matrix, TAP)
       matrix.py --child BUS NOSIM
"""
import errno
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ducotest import crc8, ok, diag, done, relay, start_ducosim, stop_process  # noqa: E402

BUILD = os.environ.get("BUILD", "build")
HOST = os.path.join(BUILD, "host")

DEV, NOONE = 0x50, 0x51


def raises(fn, *args):
    """The errno of the OSError fn(*args) raises, or None."""
    try:
        fn(*args)
    except OSError as e:
        return e.errno
    return None


def child(bus_no, nosim_no):
    import smbus  # Debian's python3-smbus
    ok(raises(smbus.SMBus, nosim_no) == errno.ENODEV, "SMBus(%d) with no simulator: ENODEV" % nosim_no)
    b = smbus.SMBus(bus_no)
    ok(True, "SMBus(%d) opens through the stand-in" % bus_no)

    def log():
        return b.read_block_data(DEV, 0xF0)

    def script(data):
        b.write_i2c_block_data(DEV, 0xF2, [len(data)] + list(data))

    ok(b.write_quick(DEV) is None, "write_quick(0x50)")
    ok(raises(b.write_quick, NOONE) == errno.ENXIO, "write_quick to an empty address: ENXIO")
    ok(raises(b.read_byte, NOONE) == errno.ENXIO, "read_byte from an empty address: ENXIO")
    ok(raises(b.write_byte, NOONE, 1) == errno.ENXIO, "write_byte to an empty address: ENXIO")

    ok(b.write_byte(DEV, 0x10) is None, "write_byte(0x50, 0x10): send byte, no data pointer")
    ok(log() == [0x10], "  the wire carried 0x10")
    b.write_byte(DEV, 0x10)
    ok(b.read_byte(DEV) == 0x10 and b.read_byte(DEV) == 0x11, "read_byte twice: 0x10, 0x11")

    b.write_byte_data(DEV, 0x21, 0x9C)
    ok(log() == [0x21, 0x9C], "write_byte_data: cmd, byte")
    ok(b.read_byte_data(DEV, 0x21) == 0x9C, "read_byte_data returns it")

    b.write_word_data(DEV, 0x45, 0x1357)
    ok(log() == [0x45, 0x57, 0x13], "write_word_data: cmd, low, high")
    ok(b.read_word_data(DEV, 0x45) == 0x1357, "read_word_data returns 0x1357")

    r = b.process_call(DEV, 0xA0, 0x00FF)
    ok(log() == [0xA0, 0xFF, 0x00], "process_call: cmd, word on the wire (returned %r)" % (r,))
    ok(r is None or r == 0xFF00, "process_call: its result (py-smbus %s returns %r)"
       % ("drops it and" if r is None else "", r))

    b.write_block_data(DEV, 0x81, [1, 2, 3, 4, 5, 6])
    ok(log() == [0x81, 6, 1, 2, 3, 4, 5, 6], "write_block_data: cmd, count, data")
    ok(b.read_block_data(DEV, 0x81) == [1, 2, 3, 4, 5, 6], "read_block_data: the slave's count")
    ok(b.block_process_call(DEV, 0xA1, [0x0F, 0xF0]) == [0xF0, 0x0F],
       "block_process_call: count and data out, the slave's block back")

    b.write_i2c_block_data(DEV, 0x38, [0xAA, 0xBB, 0xCC])
    ok(log() == [0x38, 0xAA, 0xBB, 0xCC], "write_i2c_block_data (I2C_SMBUS_I2C_BLOCK_BROKEN): cmd, data")
    ok(b.read_i2c_block_data(DEV, 0x38, 3) == [0xAA, 0xBB, 0xCC], "read_i2c_block_data(.., 3)")
    r = b.read_i2c_block_data(DEV, 0x38)
    ok(len(r) == 32 and r[:3] == [0xAA, 0xBB, 0xCC], "read_i2c_block_data with the default 32 (BROKEN)")
    try:
        b.write_i2c_block_data(DEV, 0x38, list(range(33)))
        big = "accepted"
    except OverflowError:
        big = "OverflowError"
    ok(big == "OverflowError", "write_i2c_block_data of 33 bytes: py-smbus refuses (%s)" % big)

    script([0])
    ok(raises(b.read_block_data, DEV, 0x80) == errno.EPROTO, "read_block_data, count 0: EPROTO")

    aw, ar = DEV << 1, DEV << 1 | 1
    b.pec = True
    ok(b.pec is True, "pec = True (I2C_PEC)")
    b.write_byte_data(DEV, 0x27, 0x42)
    b.pec = False
    ok(log() == [0x27, 0x42, crc8([aw, 0x27, 0x42])], "PEC: write_byte_data ends with the PEC byte")
    script([0x66, crc8([aw, 0x28, ar, 0x66])])
    b.pec = True
    ok(b.read_byte_data(DEV, 0x28) == 0x66, "PEC: read_byte_data checks the slave's PEC")
    b.pec = False
    script([0x66, crc8([aw, 0x28, ar, 0x66]) ^ 0x80])
    b.pec = True
    ok(raises(b.read_byte_data, DEV, 0x28) == errno.EBADMSG, "PEC: a wrong PEC byte: EBADMSG")
    b.pec = False
    script([2, 0x10, 0x20, crc8([aw, 0x86, ar, 2, 0x10, 0x20])])
    b.pec = True
    ok(b.read_block_data(DEV, 0x86) == [0x10, 0x20], "PEC: read_block_data")
    b.pec = False

    b.close()
    ok(True, "close")
    diag("python3-smbus from %s" % smbus.__file__)
    smbus2_matrix(bus_no)


def smbus2_matrix(bus_no):
    try:
        import smbus2
    except ImportError:
        ok(False, "smbus2 for /usr/bin/python3 is missing (scripts/deps.sh installs python3-smbus2)")
        return
    with smbus2.SMBus(bus_no) as b:
        b.write_byte(DEV, 0x12)
        ok(b.read_byte(DEV) == 0x12, "smbus2: write_byte, read_byte")
        b.write_i2c_block_data(DEV, 0x08, [0x31, 0x32, 0x33])
        ok(b.read_i2c_block_data(DEV, 0x08, 3) == [0x31, 0x32, 0x33],
           "smbus2: write_i2c_block_data, read_i2c_block_data")
        b.write_block_data(DEV, 0x87, [9, 8, 7])
        ok(b.read_block_data(DEV, 0x87) == [9, 8, 7], "smbus2: write_block_data, read_block_data")
        ok(b.process_call(DEV, 0xA0, 0x0F0F) == 0xF0F0, "smbus2: process_call returns the answer")
        w = smbus2.i2c_msg.write(DEV, [0x08])
        r = smbus2.i2c_msg.read(DEV, 3)
        b.i2c_rdwr(w, r)
        ok(list(r) == [0x31, 0x32, 0x33], "smbus2: i2c_rdwr write + read")
        ok(raises(b.i2c_rdwr, smbus2.i2c_msg.read(NOONE, 1)) == errno.ENXIO,
           "smbus2: i2c_rdwr to an empty address: ENXIO")
        b.pec = 1
        b.write_byte_data(DEV, 0x29, 0x01)
        b.pec = 0
        ok(b.read_block_data(DEV, 0xF0) == [0x29, 0x01, crc8([DEV << 1, 0x29, 0x01])],
           "smbus2: pec = 1 adds the PEC byte")
        ok(b.funcs & smbus2.I2cFunc.SMBUS_PEC and b.funcs & smbus2.I2cFunc.I2C,
           "smbus2: funcs (I2C_FUNCS) says I2C and PEC")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        try:
            child(int(sys.argv[2]), int(sys.argv[3]))
        except ImportError as e:
            ok(False, "python3-smbus for %s is missing (%s)" % (sys.executable, e))
        return done()
    shim = os.path.join(HOST, "libducoi2cshim.so")
    elf = os.path.join(BUILD, "sim-test", "smbus_dev.elf")
    ctest = os.path.join(HOST, "test", "test_i2cshim")
    for f in (os.path.join(HOST, "ducosim"), shim, elf, ctest):
        if not ok(os.path.exists(f), "%s built" % f):
            return done()
    with tempfile.TemporaryDirectory(prefix="ducorig-i2cshim.") as tmp:
        sock = os.path.join(tmp, "bus.sock")
        sim = start_ducosim(os.path.join(HOST, "ducosim"), elf, sock, first_addr=0x50)
        try:
            ok(os.path.exists(sock) and sim.poll() is None,
               "ducosim with the SMBus test device at 0x50 serves %s" % sock)
            env = dict(os.environ, LD_PRELOAD=os.path.abspath(shim),
                       DUCORIG_I2C_SHIM="/dev/i2c-78=%s,/dev/i2c-79=%s"
                       % (sock, os.path.join(tmp, "nobody.sock")))
            diag("--- libi2c and raw ioctls (C)")
            p = subprocess.run([ctest, "/dev/i2c-78", "/dev/i2c-79"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
            relay(p.stdout)
            ok(p.returncode == 0, "test_i2cshim exit status %d" % p.returncode)
            diag("--- python3-smbus and smbus2")
            p = subprocess.run(["/usr/bin/python3", os.path.abspath(__file__), "--child", "78", "79"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=120)
            relay(p.stdout)
            ok(p.returncode == 0, "the Python matrix's exit status %d" % p.returncode)
            ok(sim.poll() is None, "ducosim still running at the end")
        finally:
            stop_process(sim)
    return done()


if __name__ == "__main__":
    sys.exit(main())
