//! Prepares the default model for loading in place: the committed file
//! (`models/en-default.unspin`, compact and compressed, built by `scripts/build-model.sh`) is
//! inflated, checked and laid out with everything loading would otherwise build
//! (`unspin_core::Model::prepared_image`), into `OUT_DIR`, where `src/lib.rs` includes it.

use std::path::Path;

fn main() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/en-default.unspin");
    println!("cargo:rerun-if-changed={}", source.display());
    let file = std::fs::read(&source)
        .unwrap_or_else(|e| panic!("cannot read the default model {}: {e}", source.display()));
    let image = unspin_core::Model::prepared_image(&file)
        .unwrap_or_else(|e| panic!("the default model {} is damaged: {e}", source.display()));
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("en-default.image");
    std::fs::write(&out, image).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
