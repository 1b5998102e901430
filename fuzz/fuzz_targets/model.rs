//! A model file of arbitrary bytes (`--model FILE`): the container's header, section table,
//! checksums and zstd frames, then every component's arrays. A refusal or a model; never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sections) = unspin_core::container::Sections::parse(data) {
        for (name, _) in sections.iter() {
            let _ = sections.u32s(name);
            let _ = sections.f32s(name);
        }
    }
    let _ = unspin_core::Model::from_bytes(data);
});
