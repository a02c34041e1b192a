//! How an object is cut into parts: OSS's part limits and the plan every multipart transfer
//! (copy, upload, download) and its checkpoint share.

use crate::error::Error;

/// The smallest part OSS accepts (every part but the last).
pub const MIN_PART_SIZE: u64 = 100 * 1024;
/// The largest part OSS accepts.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// The most parts one upload may have.
pub const MAX_PARTS: u64 = 10_000;
/// How an object of `size` bytes is cut into parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPlan {
    pub size: u64,
    pub part_size: u64,
    pub parts: u32,
}

impl PartPlan {
    /// `(start, len)` of part `number` (1-based).
    pub fn range(&self, number: u32) -> (u64, u64) {
        let start = u64::from(number.saturating_sub(1)) * self.part_size;
        (start, self.part_size.min(self.size.saturating_sub(start)))
    }
}

/// Plans the parts of a `size`-byte object: the preferred part size, doubled until it is at
/// least [`MIN_PART_SIZE`] and the object fits in [`MAX_PARTS`] parts. An empty object is one
/// empty part. Fails when even [`MAX_PART_SIZE`] parts cannot hold the object.
pub fn plan_parts(size: u64, preferred: u64) -> Result<PartPlan, Error> {
    let mut part_size = preferred.max(1);
    while part_size < MIN_PART_SIZE || size.div_ceil(part_size) > MAX_PARTS {
        part_size = part_size.saturating_mul(2);
    }
    if part_size > MAX_PART_SIZE {
        return Err(Error::usage(format!("{size} bytes do not fit in {MAX_PARTS} parts of at most {MAX_PART_SIZE}")));
    }
    let parts = u32::try_from(size.div_ceil(part_size).max(1))
        .map_err(|_| Error::usage(format!("{size} bytes need too many parts")))?;
    Ok(PartPlan { size, part_size, parts })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    const GB: u64 = 1024 * MB;

    #[test]
    fn part_sizes_double_until_they_fit() {
        // The preferred size, when it already fits.
        let p = plan_parts(200 * MB, 10 * MB).unwrap();
        assert_eq!((p.part_size, p.parts), (10 * MB, 20));
        assert_eq!(p.range(20), (190 * MB, 10 * MB));
        // Too small a preference doubles up to the 100 KB minimum: 1 → 131 072.
        let p = plan_parts(1_000_000, 1).unwrap();
        assert_eq!((p.part_size, p.parts), (128 * KB, 8));
        assert_eq!(p.range(8), (7 * 128 * KB, 1_000_000 - 7 * 128 * KB));
        assert_eq!(plan_parts(1_000_000, 0).unwrap().part_size, 128 * KB);
        // 100 KB exactly is allowed.
        assert_eq!(plan_parts(1_000_000, MIN_PART_SIZE).unwrap().part_size, MIN_PART_SIZE);
        // 10 000 parts at most: 1 TiB at 64 MiB would be 16 384 parts, so 128 MiB.
        let p = plan_parts(1024 * GB, 64 * MB).unwrap();
        assert_eq!((p.part_size, p.parts), (128 * MB, 8192));
        // Exactly 10 000 parts is fine; one byte more doubles.
        assert_eq!(plan_parts(10_000 * MB, MB).unwrap().parts, 10_000);
        assert_eq!(plan_parts(10_000 * MB + 1, MB).unwrap().part_size, 2 * MB);
        // The last part takes the remainder; an empty object is one empty part.
        let p = plan_parts(250 * KB, 100 * KB).unwrap();
        assert_eq!((p.parts, p.range(3)), (3, (200 * KB, 50 * KB)));
        assert_eq!(plan_parts(0, MB).unwrap(), PartPlan { size: 0, part_size: MB, parts: 1 });
        // Beyond 10 000 parts of 5 GiB.
        assert!(plan_parts(10_000 * 5 * GB + 1, MB).is_err());
    }
}
