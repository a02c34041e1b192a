//! CRC-64/XZ ("CRC-64/ECMA" in OSS parlance), the value of `x-oss-hash-crc64ecma`.
//! Beware: CRC-64/NVME is a different polynomial and would silently disagree with every SDK.

use crc_fast::{checksum_combine, CrcAlgorithm, Digest};

const ALGORITHM: CrcAlgorithm = CrcAlgorithm::Crc64Xz;

/// Streaming CRC-64/XZ.
#[derive(Clone)]
pub struct Crc64(Digest);

impl Default for Crc64 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc64 {
    pub fn new() -> Self {
        Self(Digest::new(ALGORITHM))
    }

    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub fn finish(&self) -> u64 {
        self.0.finalize()
    }
}

pub fn checksum(data: &[u8]) -> u64 {
    crc_fast::checksum(ALGORITHM, data)
}

/// The CRC of `A ++ B` from `crc(A)`, `crc(B)` and `len(B)`, how multipart CRCs are built without
/// rereading the parts.
pub fn combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    if len_b == 0 {
        return crc_a;
    }
    checksum_combine(ALGORITHM, crc_a, crc_b, len_b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value_and_empty() {
        assert_eq!(checksum(b"123456789"), 0x995DC9BBDF1939FA);
        assert_eq!(checksum(b""), 0);
        assert_eq!(Crc64::new().finish(), 0);
    }

    #[test]
    fn streaming_and_combine_agree() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (a, b) = data.split_at(40_000);
        let mut s = Crc64::new();
        s.update(a);
        s.update(b);
        assert_eq!(s.finish(), checksum(&data));
        assert_eq!(combine(checksum(a), checksum(b), b.len() as u64), checksum(&data));
        assert_eq!(combine(checksum(a), 0, 0), checksum(a));
        assert_eq!(combine(0, checksum(b), b.len() as u64), checksum(b));
    }
}
