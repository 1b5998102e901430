//! Spinner tables (`--spinner FILE`): the input read as a whole table file, and as the pairs
//! section of an otherwise valid one (so that mutations reach the line parser behind the
//! container's checks). A refusal or a table; a table read writes back to bytes that read as
//! the same table.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unspin_core::container::SectionWriter;
use unspin_core::spinner::{SpinnerTable, SPINNER_FORMAT};

fn round_trip(bytes: &[u8]) {
    if let Ok(table) = SpinnerTable::from_bytes(bytes) {
        let written = table.to_bytes().expect("a table read is a table written");
        let again = SpinnerTable::from_bytes(&written).expect("a table written is read back");
        assert_eq!(again.pairs(), table.pairs());
        assert_eq!(again.to_bytes().expect("written again"), written);
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip(data);
    let mut w = SectionWriter::default();
    w.u32s("spin.format", &[SPINNER_FORMAT]);
    w.bytes("spin.family", b"fuzz");
    w.bytes("spin.pairs", data);
    round_trip(&w.finish_uncompressed());
});
