#!/usr/bin/env python3
"""gen-hashcore-asm.py - writes firmware-avr/hashcore_asm.S, the unrolled
AVR assembly DUCO-S1 core behind firmware-avr/hashcore.h.

Usage: scripts/gen-hashcore-asm.py [output.S]   (default: stdout)

The generated file is committed; test/asm/regen.sh checks that running this
script reproduces it byte for byte. Everything about the schedule (which
message words are constant per job, which XOR combinations of constant words
to precompute, where each word lives in RAM) is decided here, at generation
time, so the emitted code is straight-line with no loops or tables.

Assumes avr-gcc calling conventions (args in r24/r22/r20, r2-r17 and r28-r29
callee-saved, r0/r1 scratch/zero) and an AVR core with MUL and MOVW (ATmega
class, LGT8F). Interrupts stay enabled throughout: the only change visible to
an ISR is r1 != 0 during the hashing, and avr-gcc ISRs clear r1 themselves.
"""
import sys

K = [0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xCA62C1D6]
H = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]

# --- registers ---------------------------------------------------------------
QUADS = [[2, 3, 4, 5], [6, 7, 8, 9], [10, 11, 12, 13], [14, 15, 16, 17],
         [18, 19, 20, 21]]
T = [22, 23, 24, 25]    # upper registers: subi/sbci/ldi work on them
K32 = 26                # the constant 32 for rotl5 by MUL
ZERO = 27               # a zero for adc (r1 is busy with MUL results)

FIRST_VAR, LAST_VAR = 10, 12    # words holding nonce digits (any 1..10 digits)
ZERO_WORDS = {13, 14}           # always zero (padding), W15 = bit length
LAST_ROUND = 79
EARLY_ROUND = 75        # after this round the final E word is known
RECOMPUTE = (73, 74, 75)  # needed only after a candidate match: not stored


def kconst(t):
    return K[t // 20]


def b4(v):
    return [(v >> (8 * i)) & 0xFF for i in range(4)]


class Out:
    def __init__(self):
        self.lines = []

    def __call__(self, s):
        self.lines.append('\t' + s if not s.endswith(':') else s)

    def raw(self, s):
        self.lines.append(s)


def is_const_word():
    """Which W[t] (t < 80) are the same for every nonce of a job + digit count."""
    const = {}
    for t in range(80):
        if t < 16:
            const[t] = not (FIRST_VAR <= t <= LAST_VAR)
        else:
            const[t] = all(const[i] for i in (t - 3, t - 8, t - 14, t - 16))
    return const


CONST = is_const_word()


def split_terms(terms):
    """(constant non-zero words, variable words) among schedule terms."""
    cp = frozenset(i for i in terms if CONST[i] and i not in ZERO_WORDS)
    return cp, [i for i in terms if not CONST[i]]


def term_cost(terms, rot):
    cp, var = split_terms(terms)
    loads = len(var) + (1 if cp else 0)
    return 8 + 12 * (loads - 1) + 5 * rot


def formula1(t):
    return [t - 3, t - 8, t - 14, t - 16], 1


def formula2(t):
    """From t = 32 on the schedule also holds as W[t] = rotl2(W[t-6] ^
    W[t-16] ^ W[t-28] ^ W[t-32]); where that form has more per-job constant
    terms it needs fewer loads per nonce (but keeps old words live longer)."""
    return [t - 6, t - 16, t - 28, t - 32], 2


F2_SET = set()          # words computed with formula2, chosen below


def formula(t):
    return formula2(t) if t in F2_SET else formula1(t)


# --- plan: schedule events in program order ----------------------------------
# Each event computes one message word; values are named 'W<t>' (fast path)
# or 'R<t>' (RECOMPUTE words, rebuilt after a candidate match).
def var_name(i):
    return 'W%d' % i


def plan_events():
    events = []
    for t in range(16, EARLY_ROUND + 1):
        if CONST[t]:
            continue
        terms, rot = formula(t)
        cp, var = split_terms(terms)
        events.append(dict(name='W%d' % t, t=t, cp=cp, var=[var_name(i) for i in var],
                           rot=rot, round=True))
    for t in RECOMPUTE:
        terms, rot = formula(t)
        cp, var = split_terms(terms)
        events.append(dict(name='R%d' % t, t=t, cp=cp, var=[var_name(i) for i in var],
                           rot=rot, round=False))
    for t in range(EARLY_ROUND + 1, LAST_ROUND + 1):
        terms, rot = formula(t)
        cp, var = split_terms(terms)
        events.append(dict(name='W%d' % t, t=t, cp=cp,
                           var=[('R%d' if i in RECOMPUTE else 'W%d') % i for i in var],
                           rot=rot, round=True))
    return events


def choose_formulas():
    """Greedy: take formula2 where it saves most, as long as the words still
    fit the 16 slots of region A."""
    global EVENTS
    gains = []
    for t in range(32, LAST_ROUND + 1):
        if t in RECOMPUTE:
            continue
        g = term_cost(*formula1(t)) - term_cost(*formula2(t))
        if g > 0:
            gains.append((-g, t))
    for _, t in sorted(gains):
        F2_SET.add(t)
        EVENTS = plan_events()
        try:
            plan_words()
        except OutOfSlots:
            F2_SET.discard(t)
    EVENTS = plan_events()




class OutOfSlots(Exception):
    pass


def plan_words():
    """Slot (byte offset in region A) of every stored word, by liveness."""
    last_use = {}
    for pos, ev in enumerate(EVENTS):
        for v in ev['var']:
            last_use[v] = pos
    # Digits are written as one descending byte string: W12, W11, W10 at 0,4,8.
    where = {'W12': 0, 'W11': 4, 'W10': 8}
    free = [o for o in range(12, 64, 4)]
    live = {'W10', 'W11', 'W12'}
    for pos, ev in enumerate(EVENTS):
        # Inputs are read before the new word is stored: their slots are free.
        for v in sorted(live):
            if last_use.get(v, -1) <= pos:
                live.discard(v)
                free.append(where[v])
        if ev['name'] in last_use:
            if not free:
                raise OutOfSlots(ev['name'])
            free.sort()
            where[ev['name']] = free.pop(0)
            live.add(ev['name'])
    return where, last_use


EVENTS = []
choose_formulas()
WHERE, LAST_USE = plan_words()


# --- plan: constant slots (region B), in order of first use -----------------
def plan_constants():
    slots = []              # (name, kind, payload)
    const_words = [t for t in range(16, 80) if CONST[t]]
    for t in const_words:
        slots.append(('w%d' % t, 'word', t))
    for t in range(13, 20):
        if CONST[t] and t not in ZERO_WORDS:
            slots.append(('kw%d' % t, 'kw', t))
    seen = set()
    for ev in EVENTS:
        cp = ev['cp']
        if not cp or cp in seen:
            continue
        seen.add(cp)
        if len(cp) == 1 and next(iter(cp)) in const_words:
            continue
        slots.append((combo_name(cp), 'xor', cp))
    slots.append(('etarget', 'etarget', None))
    return {name: (4 * i, kind, payload) for i, (name, kind, payload) in enumerate(slots)}


def combo_name(cp):
    return 'x' + '_'.join(str(i) for i in sorted(cp))


BSLOTS = plan_constants()
B_SIZE = 4 * len(BSLOTS)


def combo_slot(cp):
    if len(cp) == 1:
        (i,) = cp
        if 'w%d' % i in BSLOTS:
            return BSLOTS['w%d' % i][0]
    return BSLOTS[combo_name(cp)][0]


# --- context layout (bytes from the start of struct hashcore) ---------------
# A: per-nonce message words, addressed Y+0..63 during the hash.
# B: per-job (and per digit count) constants, through a moving Z window.
OFF_A = 0
OFF_B = 64
OFF_BASE = OFF_B + B_SIZE   # W0..W15 as little-endian words (W10-12 unused)
OFF_STATE = OFF_BASE + 64   # state after round 9, folded (emit_fold_rounds_10_11)
OFF_TARGET = OFF_STATE + 20  # expected[i] - H[i], little-endian words
OFF_N = OFF_TARGET + 20     # digit count the B constants were made for (0 = none)
CTX_SIZE = OFF_N + 1


class Window:
    """A pointer register pair that reaches a region larger than the 0..63
    displacement of LDD/STD: moved (2 cycles) only when an access needs it."""

    def __init__(self, o, ptr, lo, hi, size):
        self.o, self.ptr, self.lo, self.hi, self.size = o, ptr, lo, hi, size
        self.base = 0

    def at(self, off):
        if not (self.base <= off and off + 3 <= self.base + 63):
            new = min(off, max(0, self.size - 64))
            d = new - self.base
            self.o('subi r%d, lo8(%d)' % (self.lo, -d))
            self.o('sbci r%d, hi8(%d)' % (self.hi, -d))
            self.base = new
        return self.ptr, off - self.base


# --- code emitters -------------------------------------------------------------
def add32(o, dst, src):
    o('add r%d, r%d' % (dst[0], src[0]))
    for i in range(1, 4):
        o('adc r%d, r%d' % (dst[i], src[i]))


def addk_T(o, k):
    neg = b4((-k) & 0xFFFFFFFF)
    o('subi r%d, 0x%02x' % (T[0], neg[0]))
    for i in range(1, 4):
        o('sbci r%d, 0x%02x' % (T[i], neg[i]))


def ld_T(o, ptr, off):
    for i in range(4):
        o('ldd r%d, %s+%d' % (T[i], ptr, off + i))


def xor_T(o, ptr, off):
    for i in range(4):
        o('ldd r0, %s+%d' % (ptr, off + i))
        o('eor r%d, r0' % T[i])


def st_T(o, ptr, off):
    for i in range(4):
        o('std %s+%d, r%d' % (ptr, off + i, T[i]))


def rotl1_T(o):
    o('lsl r%d' % T[0])
    for i in range(1, 4):
        o('rol r%d' % T[i])
    o('adc r%d, r%d' % (T[0], ZERO))


def movw_T(o, q):
    o('movw r%d, r%d' % (T[0], q[0]))
    o('movw r%d, r%d' % (T[2], q[2]))


def emit_f(o, t, b, c, d, e):
    if t < 20:      # Ch = d ^ (b & (c ^ d))
        movw_T(o, c)
        for i in range(4):
            o('eor r%d, r%d' % (T[i], d[i]))
            o('and r%d, r%d' % (T[i], b[i]))
            o('eor r%d, r%d' % (T[i], d[i]))
        add32(o, e, T)
    elif 40 <= t < 60:   # Maj = (b & c) + (d & (b ^ c)), the terms share no bits
        movw_T(o, b)
        for i in range(4):
            o('and r%d, r%d' % (T[i], c[i]))
        add32(o, e, T)
        movw_T(o, b)
        for i in range(4):
            o('eor r%d, r%d' % (T[i], c[i]))
            o('and r%d, r%d' % (T[i], d[i]))
        add32(o, e, T)
    else:               # parity
        movw_T(o, b)
        for i in range(4):
            o('eor r%d, r%d' % (T[i], c[i]))
            o('eor r%d, r%d' % (T[i], d[i]))
        add32(o, e, T)


def emit_rotl5_add(o, a, e):
    # a_j * 32: low byte is a_j << 5 (stays in byte j), high byte a_j >> 3
    # (moves up to byte j+1): the rotation costs four MULs and no shift loop.
    o('mul r%d, r%d' % (a[0], K32))
    o('movw r%d, r0' % T[0])
    o('mul r%d, r%d' % (a[1], K32))
    o('or r%d, r0' % T[1])
    o('mov r%d, r1' % T[2])
    o('mul r%d, r%d' % (a[2], K32))
    o('or r%d, r0' % T[2])
    o('mov r%d, r1' % T[3])
    o('mul r%d, r%d' % (a[3], K32))
    o('or r%d, r0' % T[3])
    o('or r%d, r1' % T[0])
    add32(o, e, T)


def emit_rotr2(o, b):
    # rotl30 = rotr2; r0 feeds b0's low bits into the top of b3.
    o('mov r0, r%d' % b[0])
    for _ in range(2):
        o('lsr r0')
        o('ror r%d' % b[3])
        o('ror r%d' % b[2])
        o('ror r%d' % b[1])
        o('ror r%d' % b[0])


def rotl_T(o, rot):
    for _ in range(rot):
        rotl1_T(o)


def emit_schedule(o, ev, zwin):
    """W of one event into T, stored to region A when a later event reads it."""
    first = True
    if ev['cp']:
        ld_T(o, *zwin.at(combo_slot(ev['cp'])))
        first = False
    for v in ev['var']:
        if first:
            ld_T(o, 'Y', WHERE[v])
            first = False
        else:
            xor_T(o, 'Y', WHERE[v])
    rotl_T(o, ev['rot'])
    if ev['name'] in LAST_USE:
        st_T(o, 'Y', WHERE[ev['name']])


def emit_w_plus_k(o, t, e, ev=None, zwin=None, base_ptr=None):
    """Add K[t] + W[t] into e. base_ptr: prepare's rounds 0-9 read W there."""
    k = kconst(t)
    if base_ptr is not None:
        ld_T(o, base_ptr, 4 * t)
        addk_T(o, k)
    elif ev is not None:
        emit_schedule(o, ev, zwin)
        addk_T(o, k)
    elif FIRST_VAR <= t <= LAST_VAR:
        ld_T(o, 'Y', WHERE['W%d' % t])
        addk_T(o, k)
    elif t in ZERO_WORDS:
        for i, v in enumerate(b4(k)):
            o('ldi r%d, 0x%02x' % (T[i], v))
    else:
        ld_T(o, *zwin.at(BSLOTS['kw%d' % t][0]))
    add32(o, e, T)


def emit_round(o, t, st, ev=None, zwin=None, base_ptr=None):
    a, b, c, d, e = st
    o.raw('\t; round %d' % t)
    emit_w_plus_k(o, t, e, ev, zwin, base_ptr)
    emit_f(o, t, b, c, d, e)
    emit_rotl5_add(o, a, e)
    emit_rotr2(o, b)
    return [e, a, b, c, d]


def cmp_T(o, q):
    o('cp r%d, r%d' % (q[0], T[0]))
    for i in range(1, 4):
        o('cpc r%d, r%d' % (q[i], T[i]))


SAVED = list(range(2, 18)) + [28, 29]


def emit_prologue(o):
    for r in SAVED:
        o('push r%d' % r)


def emit_epilogue(o):
    o('clr r1')
    for r in reversed(SAVED):
        o('pop r%d' % r)
    o('ret')


def k_into(o, q, k):
    for i, v in enumerate(b4(k)):
        o('ldi r%d, 0x%02x' % (T[i], v))
    add32(o, q, T)


def emit_fold_rounds_10_11(o, st):
    """Turn the state after round 9 into what hashcore_check loads. In rounds
    10 and 11 every input but W10/W11 and rotl5(a11) is per-job constant, and
    c10 is next used only as round 12's e, so (with a..e the state after
    round 9):
      e <- rotl5(a) + Ch(b, c, d) + e + K      (round 10 minus W10)
      d <- Ch(a, rotl30(b), c) + d + K         (round 11 minus W11, rotl5)
      c <- c + K                               (round 12's e + K)
      b <- rotl30(b), a <- rotl30(a)           (their rotations, done now)"""
    a, b, c, d, e = st
    o.raw('\t; fold the per-job parts of rounds 10-12')
    k_into(o, e, kconst(10))
    emit_f(o, 10, b, c, d, e)
    emit_rotl5_add(o, a, e)
    emit_rotr2(o, b)
    k_into(o, d, kconst(11))
    emit_f(o, 11, a, b, c, d)
    k_into(o, c, kconst(12))
    emit_rotr2(o, a)


def emit_prepare(o):
    o.raw('')
    o.raw('; void hashcore_prepare(struct hashcore *hc, const char last_hash[40],')
    o.raw(';                       const uint8_t expected[20])')
    o.raw('; r24:25 = hc, r22:23 = last_hash, r20:21 = expected')
    o.raw('\t.global hashcore_prepare')
    o.raw('\t.type hashcore_prepare, @function')
    o.raw('hashcore_prepare:')
    emit_prologue(o)
    o('movw r28, r24')
    o('subi r28, lo8(-%d)' % OFF_BASE)
    o('sbci r29, hi8(-%d)' % OFF_BASE)
    # W0..W9: big-endian text words stored little-endian (byte order reversed).
    o('movw r26, r22')
    o('movw r30, r28')
    o('ldi r18, 10')
    o.raw('.Lprep_words:')
    o('adiw r30, 4')
    for _ in range(4):
        o('ld r0, X+')
        o('st -Z, r0')
    o('adiw r30, 4')
    o('dec r18')
    o('brne .Lprep_words')
    # W13 = W14 = 0 (padding); W15 is written per digit count.
    o('clr r1')
    for i in range(52, 60):
        o('std Y+%d, r1' % i)
    # Targets: expected[i] - H[i], little-endian.
    o('movw r26, r20')
    o('movw r30, r28')
    o('subi r30, lo8(%d)' % (OFF_BASE - OFF_TARGET))
    o('sbci r31, hi8(%d)' % (OFF_BASE - OFF_TARGET))
    for w in range(5):
        for i in range(4):
            o('ld r%d, X+' % T[3 - i])
        addk_T(o, (-H[w]) & 0xFFFFFFFF)
        st_T(o, 'Z', 4 * w)
    # E target for the early exit: final e = rotl30(a after round 75) + H4,
    # so compare that a with rotl2(expected4 - H4).
    o('clr r%d' % ZERO)
    rotl1_T(o)
    rotl1_T(o)
    o('movw r30, r28')
    o('subi r30, lo8(%d)' % (OFF_BASE - OFF_B - BSLOTS['etarget'][0]))
    o('sbci r31, hi8(%d)' % (OFF_BASE - OFF_B - BSLOTS['etarget'][0]))
    st_T(o, 'Z', 0)
    # Rounds 0-9 from the initial state.
    st = QUADS
    for w in range(5):
        for i, v in enumerate(b4(H[w])):
            o('ldi r%d, 0x%02x' % (T[i], v))
        o('movw r%d, r%d' % (st[w][0], T[0]))
        o('movw r%d, r%d' % (st[w][2], T[2]))
    o('ldi r%d, 32' % K32)
    for t in range(10):
        st = emit_round(o, t, st, base_ptr='Y')
    emit_fold_rounds_10_11(o, st)
    o('movw r30, r28')
    o('subi r30, lo8(%d)' % (OFF_BASE - OFF_STATE))
    o('sbci r31, hi8(%d)' % (OFF_BASE - OFF_STATE))
    for w in range(5):
        for i in range(4):
            o('std Z+%d, r%d' % (4 * w + i, st[w][i]))
    o('movw r30, r28')
    o('subi r30, lo8(%d)' % (OFF_BASE - OFF_N))
    o('sbci r31, hi8(%d)' % (OFF_BASE - OFF_N))
    o('st Z, r%d' % ZERO)     # 0: no digit count yet, check makes B
    emit_epilogue(o)
    o.raw('\t.size hashcore_prepare, .-hashcore_prepare')


def emit_per_n(o):
    """Subroutine: constants of region B for digit count r20 (X = hc)."""
    o.raw('')
    o.raw('; B constants for digit count r20; X = hc. Clobbers r0, T, Y, Z, r27.')
    o.raw('hashcore_asm_per_n:')
    o('movw r28, r26')
    o('subi r28, lo8(-%d)' % OFF_B)
    o('sbci r29, hi8(-%d)' % OFF_B)
    o('movw r30, r26')
    o('subi r30, lo8(-%d)' % OFF_BASE)
    o('sbci r31, hi8(-%d)' % OFF_BASE)
    o('clr r%d' % ZERO)
    # W15 = (40 + n) * 8 bits, little-endian in base.
    o('mov r%d, r20' % T[0])
    o('subi r%d, lo8(-40)' % T[0])
    o('clr r%d' % T[1])
    for _ in range(3):
        o('lsl r%d' % T[0])
        o('rol r%d' % T[1])
    o('std Z+60, r%d' % T[0])
    o('std Z+61, r%d' % T[1])
    o('std Z+62, r%d' % ZERO)
    o('std Z+63, r%d' % ZERO)
    ywin = Window(o, 'Y', 28, 29, B_SIZE)

    def loc(i):
        if i < 16:
            return ('Z', 4 * i)
        return ywin.at(BSLOTS['w%d' % i][0])

    items = sorted(BSLOTS.items(), key=lambda kv: kv[1][0])
    # Constant words first (later items read them), then XORs, then K+W.
    for kind in ('word', 'xor', 'kw'):
        for name, (off, k, payload) in items:
            if k != kind:
                continue
            if kind == 'word':
                ts = [i for i in (payload - 3, payload - 8, payload - 14, payload - 16)
                      if i not in ZERO_WORDS]
            elif kind == 'xor':
                ts = sorted(payload)
            else:
                ts = [payload]
            ld_T(o, *loc(ts[0]))
            for i in ts[1:]:
                xor_T(o, *loc(i))
            if kind == 'word':
                rotl1_T(o)
            if kind == 'kw':
                addk_T(o, kconst(payload))
            st_T(o, *ywin.at(off))
    o('ret')


def emit_low_byte_exit(o, t, st, ev, zwin):
    """The low byte of round t's new a, from the low bytes of its summands
    (carries only move up), compared with the target's: 255 of 256 wrong
    nonces leave here without the rest of the round. Needs W[t] with the
    rotl1 form: its low byte is X0 << 1 | X3 >> 7 of the XOR X of its terms.
    Leaves the state untouched, so the full round can follow on a match."""
    a, b, c, d, e = st
    assert ev['rot'] == 1 and ev['name'] not in LAST_USE
    o.raw('\t; round %d, low byte only: early exit for 255 of 256 nonces' % t)
    for j in (0, 3):
        first = True
        if ev['cp']:
            ptr, off = zwin.at(combo_slot(ev['cp']))
            o('ldd r%d, %s+%d' % (T[j], ptr, off + j))
            first = False
        for v in ev['var']:
            if first:
                o('ldd r%d, Y+%d' % (T[j], WHERE[v] + j))
                first = False
            else:
                o('ldd r0, Y+%d' % (WHERE[v] + j))
                o('eor r%d, r0' % T[j])
    o('lsl r%d' % T[3])
    o('rol r%d' % T[0])
    o('subi r%d, 0x%02x' % (T[0], (-kconst(t)) & 0xFF))
    o('add r%d, r%d' % (T[0], e[0]))
    o('mov r0, r%d' % b[0])            # parity rounds 60-79
    o('eor r0, r%d' % c[0])
    o('eor r0, r%d' % d[0])
    o('add r%d, r0' % T[0])
    o('mul r%d, r%d' % (a[0], K32))    # rotl5 low byte: a0 << 5 | a3 >> 3
    o('mov r%d, r0' % T[1])
    o('mul r%d, r%d' % (a[3], K32))
    o('or r%d, r1' % T[1])
    o('add r%d, r%d' % (T[0], T[1]))
    ptr, off = zwin.at(BSLOTS['etarget'][0])
    o('ldd r%d, %s+%d' % (T[1], ptr, off))
    o('cp r%d, r%d' % (T[0], T[1]))
    o('breq .Lcheck_e_low')


def emit_check(o):
    o.raw('')
    o.raw('; uint8_t hashcore_check(struct hashcore *hc, const char *digits, uint8_t n)')
    o.raw('; r24:25 = hc, r22:23 = digits, r20 = n (1..10)')
    o.raw('\t.global hashcore_check')
    o.raw('\t.type hashcore_check, @function')
    o.raw('hashcore_check:')
    # Outside 1..10 the digit copy below would run past region A: answer 0.
    o('cpi r20, 1')
    o('brlo .Lcheck_bad_n')
    o('cpi r20, %d' % 11)
    o('brlo .Lcheck_n_ok')
    o.raw('.Lcheck_bad_n:')
    o('ldi r24, 0')
    o('ret')
    o.raw('.Lcheck_n_ok:')
    emit_prologue(o)
    # Keep the arguments in state registers that are loaded last; the per-n
    # subroutine clobbers r22-r25.
    o('movw r16, r24')
    o('movw r14, r22')
    o('mov r13, r20')
    o('movw r26, r24')
    o('subi r26, lo8(-%d)' % OFF_N)
    o('sbci r27, hi8(-%d)' % OFF_N)
    o('ld r0, X')
    o('cp r0, r20')
    o('breq .Lcheck_have_n')
    o('st X, r20')
    o('movw r26, r24')
    o('rcall hashcore_asm_per_n')
    o.raw('.Lcheck_have_n:')
    # Message bytes 40..51 (W10, W11, W12) as one descending string at A+11..0:
    # byte 40 + i goes to A + 11 - i, so each word lands little-endian.
    o('movw r28, r16')
    o('clr r1')
    for i in range(12):
        o('std Y+%d, r1' % i)
    o('movw r26, r14')
    o('movw r30, r16')
    o('adiw r30, 12')
    o.raw('.Lcheck_digits:')
    o('ld r0, X+')
    o('st -Z, r0')
    o('dec r13')
    o('brne .Lcheck_digits')
    o('ldi r%d, 0x80' % T[0])
    o('st -Z, r%d' % T[0])
    # State after round 9.
    o('movw r30, r28')
    o('subi r30, lo8(-%d)' % OFF_STATE)
    o('sbci r31, hi8(-%d)' % OFF_STATE)
    st = QUADS
    for w in range(5):
        for i in range(4):
            o('ldd r%d, Z+%d' % (st[w][i], 4 * w + i))
    o('movw r30, r28')
    o('subi r30, lo8(-%d)' % OFF_B)
    o('sbci r31, hi8(-%d)' % OFF_B)
    o('ldi r%d, 32' % K32)
    o('clr r%d' % ZERO)
    zwin = Window(o, 'Z', 30, 31, B_SIZE)
    evs = {ev['name']: ev for ev in EVENTS}
    # Rounds 10-12 with the per-job parts folded in by prepare (see
    # emit_fold_rounds_10_11): only the nonce words and rotl5 of a11, a12.
    a, b, c, d, e = st
    o.raw('\t; round 10: e = (folded) + W10')
    ld_T(o, 'Y', WHERE['W10'])
    add32(o, e, T)
    a, b, c, d, e = e, a, b, c, d
    o.raw('\t; round 11: e = (folded) + W11 + rotl5(a)')
    ld_T(o, 'Y', WHERE['W11'])
    add32(o, e, T)
    emit_rotl5_add(o, a, e)
    a, b, c, d, e = e, a, b, c, d
    o.raw('\t; round 12: e = (c10 + K, folded) + W12 + f + rotl5(a)')
    ld_T(o, 'Y', WHERE['W12'])
    add32(o, e, T)
    emit_f(o, 12, b, c, d, e)
    emit_rotl5_add(o, a, e)
    emit_rotr2(o, b)
    st = [e, a, b, c, d]
    for t in range(13, EARLY_ROUND):
        st = emit_round(o, t, st, evs.get('W%d' % t), zwin)
    emit_low_byte_exit(o, EARLY_ROUND, st, evs['W%d' % EARLY_ROUND], zwin)
    o.raw('.Lcheck_no:')
    o('ldi r24, 0')
    emit_epilogue(o)
    o.raw('.Lcheck_e_low:')
    st = emit_round(o, EARLY_ROUND, st, evs['W%d' % EARLY_ROUND], zwin)
    o.raw('\t; the new a is the final E word, rotated: all of it')
    ld_T(o, *zwin.at(BSLOTS['etarget'][0]))
    cmp_T(o, st[0])
    o('breq .Lcheck_finish')
    o('rjmp .Lcheck_no')
    o.raw('.Lcheck_finish:')
    for t in RECOMPUTE:
        o.raw('\t; W%d again, for rounds %d-%d' % (t, EARLY_ROUND + 1, LAST_ROUND))
        emit_schedule(o, evs['R%d' % t], zwin)
    for t in range(EARLY_ROUND + 1, LAST_ROUND + 1):
        st = emit_round(o, t, st, evs['W%d' % t], zwin)
    o('movw r30, r28')
    o('subi r30, lo8(-%d)' % OFF_TARGET)
    o('sbci r31, hi8(-%d)' % OFF_TARGET)
    for w in range(5):
        ld_T(o, 'Z', 4 * w)
        cmp_T(o, st[w])
        o('brne .Lcheck_no_final')
    o('ldi r24, 1')
    o('rjmp .Lcheck_out')
    o.raw('.Lcheck_no_final:')
    o('ldi r24, 0')
    o.raw('.Lcheck_out:')
    emit_epilogue(o)
    o.raw('\t.size hashcore_check, .-hashcore_check')


HEADER = """\
/*
 * hashcore_asm.S - GENERATED by scripts/gen-hashcore-asm.py; do not edit.
 *
 * The fast DUCO-S1 core for ATmega-class AVRs (MUL, MOVW): rounds 10-75 of
 * the SHA-1 compression unrolled, the five state words in r2-r21 with their
 * roles renamed per round instead of moved, rotations by MUL (rotl5) and by
 * two single-bit shifts (rotl30), the schedule words that do not depend on
 * the nonce precomputed per job and digit count, and an exit after round 75
 * when the final E word does not match. See docs/hashcore.md for the layout
 * and the cycle budget; interrupts are never disabled.
 */
#include "hashcore.h"

#if !defined(HASHCORE_CTX_SIZE) || HASHCORE_CTX_SIZE < %d
#error "hashcore.h: HASHCORE_CTX_SIZE too small for hashcore_asm.S"
#endif

\t.text
"""


def main():
    o = Out()
    for line in (HEADER % CTX_SIZE).splitlines():
        o.raw(line)
    emit_prepare(o)
    emit_per_n(o)
    emit_check(o)
    text = '\n'.join(o.lines) + '\n'
    if len(sys.argv) > 1:
        with open(sys.argv[1], 'w') as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == '__main__':
    main()
