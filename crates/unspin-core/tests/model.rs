//! The committed default model says what it holds.

use unspin_core::container::Sections;
use unspin_core::model::Manifest;

#[test]
fn the_default_model_carries_its_manifest() {
    let bytes = std::fs::read(unspin_testkit::default_model_path()).unwrap();
    let sections = Sections::parse(&bytes).unwrap();
    let manifest: Manifest =
        serde_json::from_slice(sections.get("manifest").expect("a manifest section")).unwrap();
    assert_eq!(manifest, Manifest::english());
    assert_eq!(unspin_testkit::default_model().language.tag(), "en");
}
