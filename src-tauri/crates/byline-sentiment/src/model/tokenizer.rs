//! The classifier's tokenizer: `tokenizer.json` when the folder has one, otherwise BERT's WordPiece
//! rebuilt from `vocab.txt` (the DistilBERT SST-2 checkpoint ships only that file).

use std::path::Path;

use byline_core::{Error, Result};
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

pub fn load(dir: &Path, max_len: usize) -> Result<Tokenizer> {
    let json = dir.join("tokenizer.json");
    let vocab = dir.join("vocab.txt");
    let fail = |path: &Path, e: tokenizers::Error| Error::Format { path: path.to_path_buf(), message: e.to_string() };
    let mut tokenizer = if json.is_file() {
        Tokenizer::from_file(&json).map_err(|e| fail(&json, e))?
    } else if vocab.is_file() {
        from_vocab(dir, &vocab).map_err(|e| fail(&vocab, e))?
    } else {
        return Err(Error::not_found("tokenizer (tokenizer.json or vocab.txt) in", dir.display()));
    };
    let truncation = TruncationParams { max_length: max_len, ..Default::default() };
    tokenizer.with_truncation(Some(truncation)).map_err(|e| fail(&json, e))?;
    // Padding is done by the caller from the attention masks; the tokenizer only tells the pad id.
    let pad = tokenizer.get_padding().cloned().unwrap_or_else(|| {
        let pad_id = ["[PAD]", "<pad>"].iter().find_map(|t| tokenizer.token_to_id(t)).unwrap_or(0);
        PaddingParams { pad_id, ..Default::default() }
    });
    tokenizer.with_padding(Some(pad));
    Ok(tokenizer)
}

fn from_vocab(dir: &Path, vocab: &Path) -> tokenizers::Result<Tokenizer> {
    // Uncased checkpoints say so in tokenizer_config.json; lower-casing is BERT's default.
    let lowercase = std::fs::read_to_string(dir.join("tokenizer_config.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["do_lower_case"].as_bool())
        .unwrap_or(true);
    let path = vocab.to_str().ok_or("vocab.txt path is not UTF-8")?;
    let model = WordPiece::from_file(path).unk_token("[UNK]".into()).build()?;
    let mut tokenizer = Tokenizer::new(model);
    let id = |t: &str| tokenizer.token_to_id(t).ok_or_else(|| format!("vocab.txt has no {t}"));
    let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
    tokenizer.with_normalizer(Some(BertNormalizer::new(true, true, None, lowercase)))?;
    tokenizer
        .with_pre_tokenizer(Some(BertPreTokenizer))
        .with_post_processor(Some(BertProcessing::new(("[SEP]".into(), sep), ("[CLS]".into(), cls))));
    Ok(tokenizer)
}
