//! Property tests for every parser a request reaches, plus the encoders they must agree with.
//! Each block states its case count, chosen so the whole suite stays at a few seconds in a debug
//! build; `PROPTEST_CASES=n` sets every block to `n` for a deeper run by hand.

mod crc64;
mod encoding;
mod sign;
mod time;
mod xml;

use proptest::prelude::*;

pub fn cases(n: u32) -> ProptestConfig {
    ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(n))
}

/// Any text at all. `any::<String>()` alone never yields control characters (it draws from
/// `\PC`), and those are exactly what headers, keys and bodies may smuggle in.
pub fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), prop::collection::vec(any::<char>(), 0..40).prop_map(String::from_iter)]
}

/// A valid input after one to three edits (replace, insert or delete a character, or merge two
/// into one): arbitrary strings almost never get past a parser's first check, these reach every
/// later one. The merge keeps the byte length of a fixed-width format while putting a multi-byte
/// character across a field boundary, the input that used to panic, so replacements are as often
/// multi-byte as ASCII.
pub fn near_miss(valid: String) -> impl Strategy<Value = String> {
    let chars = prop_oneof![any::<char>(), proptest::char::range(' ', '~'), Just('\u{e9}'), Just('\u{4e2d}')];
    let edit = (any::<prop::sample::Index>(), chars, 0..4u8);
    prop::collection::vec(edit, 1..=3).prop_map(move |edits| {
        let mut out: Vec<char> = valid.chars().collect();
        for (at, c, how) in edits {
            let at = at.index(out.len() + 1);
            match how {
                0 if at < out.len() => out[at] = c,
                2 if at < out.len() => {
                    out.remove(at);
                }
                3 if at + 1 < out.len() => {
                    out.splice(at..at + 2, [c]);
                }
                _ => out.insert(at, c),
            }
        }
        out.into_iter().collect()
    })
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn bucket_names_never_panic(name in any_text()) {
        if oss_protocol::is_valid_bucket_name(&name) {
            prop_assert!((3..=63).contains(&name.len()) && name.is_ascii());
        }
    }
}
