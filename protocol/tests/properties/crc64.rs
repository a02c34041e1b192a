use oss_protocol::crc64::*;
use proptest::prelude::*;

use crate::cases;

fn data() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..4096)
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn combine_is_crc_of_concatenation(a in data(), b in data()) {
        let whole: Vec<u8> = [a.as_slice(), b.as_slice()].concat();
        prop_assert_eq!(combine(checksum(&a), checksum(&b), b.len() as u64), checksum(&whole));
    }

    /// Parts combined left to right (how CompleteMultipartUpload builds its CRC) or in any
    /// grouping give the same value.
    #[test]
    fn combine_is_associative(a in data(), b in data(), c in data()) {
        let (ca, cb, cc) = (checksum(&a), checksum(&b), checksum(&c));
        let (lb, lc) = (b.len() as u64, c.len() as u64);
        prop_assert_eq!(combine(combine(ca, cb, lb), cc, lc), combine(ca, combine(cb, cc, lc), lb + lc));
    }

    #[test]
    fn streaming_matches_one_shot(data in data(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6)) {
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(data.len() + 1)).collect();
        points.sort_unstable();
        let mut crc = Crc64::new();
        let mut from = 0;
        for to in points.into_iter().chain([data.len()]) {
            crc.update(&data[from..to]);
            from = to;
        }
        prop_assert_eq!(crc.finish(), checksum(&data));
    }

    /// Lengths come from request headers (part sizes), so none may panic, however large.
    #[test]
    fn combine_never_panics(a in any::<u64>(), b in any::<u64>(), len in any::<u64>()) {
        let _ = combine(a, b, len);
        prop_assert_eq!(combine(a, b, 0), a);
    }
}
