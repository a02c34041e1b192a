//! Only for this crate's own interop tests (`tests/interop*.rs`): with `OSS_SKIP_INTEROP` set
//! (to anything but `0`), they are compiled as `#[ignore]`, so the test runner counts them as
//! ignored rather than passed. Nothing in the library or the binary depends on it.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(oss_skip_interop)");
    println!("cargo::rerun-if-env-changed=OSS_SKIP_INTEROP");
    if std::env::var("OSS_SKIP_INTEROP").is_ok_and(|v| !v.is_empty() && v != "0") {
        println!("cargo::rustc-cfg=oss_skip_interop");
    }
}
