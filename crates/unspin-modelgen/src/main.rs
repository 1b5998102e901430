//! `unspin-modelgen`: builds unspin's default model from open registry packages.
//! `scripts/build-model.sh` fetches the packages and runs it.
mod closed_class;
mod lexicon;
mod sphinx;

use anyhow::{Context, Result};
use clap::Parser;
use std::path::PathBuf;
use unspin_core::container::{SectionWriter, Sections};

/// Build an unspin model file from open registry packages.
#[derive(Parser)]
struct Args {
    /// CMU Sphinx trie LM (`en-us.lm.bin`, Debian `pocketsphinx-en-us`).
    #[arg(long)]
    lm: PathBuf,
    /// WordNet 3.0 dictionary folder (`data.*`, `*.exc`; Debian `wordnet-base`).
    #[arg(long)]
    wordnet: PathBuf,
    /// lemminflect's `infl_lu.csv.gz` (PyPI `lemminflect` 0.2.3).
    #[arg(long)]
    inflections: PathBuf,
    /// Output model file.
    #[arg(long)]
    out: PathBuf,
    /// zstd level.
    #[arg(long, default_value_t = 19)]
    level: i32,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let data = std::fs::read(&args.lm).with_context(|| format!("reading {}", args.lm.display()))?;
    let lm = sphinx::read_trie(&data).with_context(|| format!("parsing {}", args.lm.display()))?;
    eprintln!(
        "lm: {} words, {} bigrams, {} trigrams",
        lm.words.len(),
        lm.bi_word.len(),
        lm.tri_word.len()
    );
    let vocab: std::collections::HashSet<String> = lm.words.iter().cloned().collect();
    let mut builder = lexicon::Builder::new(move |w| vocab.contains(w));
    builder.add_moby(&thesaurus_moby::uncompress());
    builder
        .add_wordnet(&args.wordnet)
        .context("reading WordNet")?;
    builder.add_closed_class();
    let mut lex = builder.finish();
    lex.inflections = lexicon::read_inflections(&args.inflections)?;
    lex.exceptions = lexicon::read_exceptions(&args.wordnet)?;
    eprintln!(
        "lexicon: {} phrases, {} reverse edges",
        lex.phrases.len(),
        lex.rev_target.len()
    );

    let mut w = SectionWriter::default();
    unspin_core::model::Manifest::english().write(&mut w);
    lm.write(&mut w);
    lex.write(&mut w);
    let file = w.finish(args.level)?;
    // Refuse to write a model this build could not read back, or one without its manifest.
    let model = unspin_core::Model::from_sections(&Sections::parse(&file)?)?;
    anyhow::ensure!(
        model.manifest == unspin_core::model::Manifest::english(),
        "the model's manifest did not read back"
    );
    std::fs::write(&args.out, &file).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("wrote {} ({} bytes)", args.out.display(), file.len());
    Ok(())
}
