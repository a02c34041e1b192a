"""Helpers the SDK interop flows share: an SDK-independent CRC-64, and the PASS/FAIL checks."""


class CheckFailed(Exception):
    pass


def _crc64_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xC96C5795D7870F42 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc64_table()


def crc64(data):
    """CRC-64/XZ (what OSS calls crc64ecma), computed independently of the SDK."""
    crc = 0xFFFFFFFFFFFFFFFF
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF


assert crc64(b'123456789') == 0x995DC9BBDF1939FA

_label = ['']


def set_label(label):
    """Names the current run in every PASS line (e.g. 'oss2 V1')."""
    _label[0] = label


def check(cond, what, detail=''):
    if not cond:
        raise CheckFailed('%s: %s' % (what, detail))
    print('PASS [%s] %s' % (_label[0], what), flush=True)


def check_eq(got, want, what):
    check(got == want, what, 'got %r, want %r' % (got, want))
