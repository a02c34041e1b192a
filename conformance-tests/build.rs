//! Tells the suite at compile time which target it will run against, so that cases the target
//! cannot serve are marked `#[ignore]` and show up as `ignored` in the test runner instead of
//! passing without having checked anything. The same variables select the target at run time
//! (`src/target.rs`), which refuses to run when the two disagree.

use std::env;

fn set(name: &str) -> bool {
    println!("cargo::rerun-if-env-changed={name}");
    env::var_os(name).is_some_and(|v| !v.is_empty())
}

fn main() {
    // An external target: real OSS or an emulator binary started separately. Either way no
    // control API, no clock, no restart and no adjusted limits.
    println!("cargo::rustc-check-cfg=cfg(oss_external_target)");
    // An external target without a second account / without a second region configured.
    println!("cargo::rustc-check-cfg=cfg(oss_no_second_account)");
    println!("cargo::rustc-check-cfg=cfg(oss_no_other_region)");
    let second = set("OSS_TEST_SECOND_ACCESS_KEY_ID") & set("OSS_TEST_SECOND_ACCESS_KEY_SECRET");
    let other = set("OSS_TEST_OTHER_REGION") & set("OSS_TEST_OTHER_ENDPOINT");
    if set("OSS_TEST_ENDPOINT") {
        println!("cargo::rustc-cfg=oss_external_target");
        if !second {
            println!("cargo::rustc-cfg=oss_no_second_account");
        }
        if !other {
            println!("cargo::rustc-cfg=oss_no_other_region");
        }
    }
}
