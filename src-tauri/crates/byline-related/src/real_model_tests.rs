//! Tests on the real all-MiniLM-L6-v2 (ignored by default; run with
//! `BYLINE_TEST_MODELS=<cache> cargo test -p byline-related -- --include-ignored`).
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use byline_core::{CancelToken, Error, NoProgress, Progress, Reporter};
use byline_library::{ArticleFields, Library};
use candle_core::Device;

use crate::search::dot;
use crate::{Embedder, Feedback, IndexStats, RankOptions, Recommender, index_library, set_feedback};

const NEEDS: &str = "set BYLINE_TEST_MODELS to the test model cache (cargo xtask fetch-models prints it)";
const MINILM: &str = "all-minilm-l6-v2";

fn model_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("BYLINE_TEST_MODELS").expect(NEEDS)).join("home/models").join(MINILM)
}

fn embedder(id: &str) -> Embedder {
    Embedder::load(&model_dir(), id, &Device::Cpu).expect("load all-MiniLM-L6-v2")
}

fn article(lib: &mut Library, title: &str, body: &str) -> i64 {
    lib.create(&ArticleFields { title: title.into(), body: body.into(), ..ArticleFields::default() })
        .expect("create")
        .id
}

fn index(lib: &mut Library, emb: &Embedder) -> IndexStats {
    index_library(lib, emb, &NoProgress, &CancelToken::new()).expect("index")
}

#[test]
#[ignore = "needs BYLINE_TEST_MODELS"]
fn model_card_cosines_are_reproduced() {
    let emb = embedder(MINILM);
    let v = emb
        .embed(&["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
        .expect("embed");
    assert_eq!(v[0].len(), 384);
    let (a, b, c) = (dot(&v[0], &v[1]), dot(&v[0], &v[2]), dot(&v[1], &v[2]));
    eprintln!("cosines {a:.4} {b:.4} {c:.4}");
    assert!((a - 0.666).abs() <= 0.01, "{a}");
    assert!((b - 0.105).abs() <= 0.01, "{b}");
    assert!((c - 0.141).abs() <= 0.01, "{c}");
    // Batching and padding must not change a vector.
    let alone = emb.embed(&["He drove to the stadium."]).expect("embed");
    assert!(dot(&alone[0], &v[2]) > 0.9999);
}

const SPACE: &str =
    "NASA launched the Artemis rocket from Cape Canaveral. The Moon mission carries astronauts into lunar orbit.";
const BUDGET: &str =
    "The city council approved the municipal budget after a long debate about taxes and school funding.";
const FOOTBALL: &str = "The football club won the championship final at the stadium after a penalty shootout.";
const ZH_SPACE: &str = "国家航天局宣布，嫦娥探测器成功发射，将前往月球背面采集样本。航天专家表示这次任务意义重大。";
const ZH_BUDGET: &str = "市议会通过了新的财政预算，增加了学校和公共交通的拨款。议员们就税收问题展开了激烈辩论。";

/// In a wire-service library every article carries "Reuter" and "pct": the reasons a suggestion gives are the
/// rare words it shares with the draft, not those.
#[test]
#[ignore = "needs BYLINE_TEST_MODELS"]
fn the_why_prefers_rare_terms_over_wire_boilerplate() {
    let emb = embedder(MINILM);
    let mut lib = Library::open_in_memory().expect("library");
    let topics = ["wheat exports", "copper prices", "bank rates", "oil output", "coffee harvest", "steel tariffs"];
    for i in 0..24 {
        let topic = topics[i % topics.len()];
        article(
            &mut lib,
            &format!("{topic} {i}"),
            &format!("LONDON, March {i} - Reuter - {topic} rose 2.{i} pct in trading on Tuesday, dealers said. Reuter"),
        );
    }
    let barrier = article(
        &mut lib,
        "Thames barrier",
        "LONDON - Reuter - Engineers closed the Thames barrier twice this week as storm surges rose 3 pct above forecasts. Reuter",
    );
    index(&mut lib, &emb);
    let mut rec = Recommender::new(emb);
    let opts = RankOptions { explain: true, ..RankOptions::default() };
    let r = rec
        .for_text(
            &lib,
            "Reuter - The Thames barrier was closed again as storm surges hit London, 4 pct higher. Reuter",
            None,
            &opts,
        )
        .expect("related");
    assert_eq!(r.suggestions[0].id, barrier, "{r:#?}");
    let why = r.suggestions[0].explanation.as_ref().expect("why");
    let all: Vec<String> = why.shared_entities.iter().chain(&why.shared_terms).map(|t| t.to_lowercase()).collect();
    assert!(!all.iter().any(|t| t == "reuter" || t == "pct"), "{why:?}");
    assert!(all.iter().any(|t| t.contains("thames") || t.contains("barrier")), "{why:?}");
}

#[test]
#[ignore = "needs BYLINE_TEST_MODELS"]
fn english_and_chinese_articles_index_and_retrieve() {
    let emb = embedder(MINILM);
    let mut lib = Library::open_in_memory().expect("library");
    let space = article(&mut lib, "Artemis launch", SPACE);
    let budget = article(&mut lib, "Council budget", BUDGET);
    article(&mut lib, "Cup final", FOOTBALL);
    let zh_space = article(&mut lib, "嫦娥发射", ZH_SPACE);
    let zh_budget = article(&mut lib, "财政预算", ZH_BUDGET);
    let stats = index(&mut lib, &emb);
    assert_eq!((stats.articles, stats.unreadable), (5, 0));
    let mut rec = Recommender::new(emb);
    let opts = RankOptions { explain: true, ..RankOptions::default() };

    let r = rec
        .for_text(&lib, "Astronauts will orbit the Moon on the next NASA rocket launch.", None, &opts)
        .expect("related");
    assert_eq!(r.suggestions[0].id, space, "{r:#?}");
    let why = r.suggestions[0].explanation.as_ref().expect("explanation");
    assert!(why.shared_entities.iter().any(|e| e == "NASA"), "{why:?}");
    assert!(why.match_passage.as_deref().is_some_and(|p| p.contains("Artemis")));

    let r = rec.for_text(&lib, "议会讨论预算，学校拨款增加。", None, &opts).expect("related");
    assert_eq!(r.suggestions[0].id, zh_budget, "{r:#?}");
    assert!(r.suggestions[0].explanation.as_ref().is_some_and(|w| w.shared_entities.iter().any(|e| e == "预算")));

    let r = rec.for_article(&lib, zh_space, &opts).expect("related");
    assert!(r.suggestions.iter().all(|s| s.id != zh_space), "the query article is excluded");
    let r = rec.for_article(&lib, budget, &opts).expect("related");
    assert_ne!(r.suggestions[0].id, budget);
}

/// Four paragraphs of ~190 tokens each (two do not fit one 254-token passage), so each becomes its own passage.
fn long_article(topic: &str) -> String {
    (0..4)
        .map(|i| {
            format!("Paragraph {i} about {topic}. ")
                + &format!("The {topic} story continues with detail number {i}. ").repeat(20)
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
#[ignore = "needs BYLINE_TEST_MODELS"]
fn only_changed_text_is_re_embedded_and_other_models_keep_their_vectors() {
    let emb = embedder(MINILM);
    let mut lib = Library::open_in_memory().expect("library");
    let a = article(&mut lib, "Harbour", &long_article("harbour"));
    article(&mut lib, "Railway", &long_article("railway"));
    article(&mut lib, "Short", "A short note on the weather.");
    let first = index(&mut lib, &emb);
    assert_eq!(first.embedded, 9, "{first:?}"); // 4 + 4 + 1 passages
    let again = index(&mut lib, &emb);
    assert_eq!((again.unchanged, again.embedded), (3, 0), "{again:?}");

    // Change one paragraph of one article: one passage is embedded, the other three reused.
    let mut fields = lib.get(a).expect("get").fields;
    fields.body = fields.body.replacen("Paragraph 2 about harbour.", "Paragraph 2 about the new harbour crane.", 1);
    lib.save(a, &fields).expect("save");
    let edit = index(&mut lib, &emb);
    assert_eq!((edit.unchanged, edit.embedded, edit.reused), (2, 1, 3), "{edit:?}");

    // The same weights under another id stand in for a second model: its vectors are separate,
    // and switching back finds the first model's vectors untouched.
    let other = embedder("second-model");
    assert_eq!(index(&mut lib, &other).embedded, 9);
    let back = index(&mut lib, &emb);
    assert_eq!((back.unchanged, back.embedded), (3, 0));
    let counts = crate::store::vector_counts(lib.connection()).expect("counts");
    assert_eq!(counts.len(), 2, "{counts:?}");
}

/// Cancels the job after its first article, like a reporter closing the app mid-index.
struct CancelAfterOne(CancelToken, AtomicU64);
impl Reporter for CancelAfterOne {
    fn on_progress(&self, p: &Progress) {
        self.1.store(p.done, Ordering::SeqCst);
        self.0.cancel();
    }
}

#[test]
#[ignore = "needs BYLINE_TEST_MODELS"]
fn a_cancelled_index_resumes_and_feedback_persists() {
    let emb = embedder(MINILM);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("library.sqlite3");
    let mut lib = Library::open(&path).expect("library");
    let space = article(&mut lib, "Artemis launch", SPACE);
    let budget = article(&mut lib, "Council budget", BUDGET);
    let football = article(&mut lib, "Cup final", FOOTBALL);
    let cancel = CancelToken::new();
    let reporter = CancelAfterOne(cancel.clone(), AtomicU64::new(0));
    let err = index_library(&mut lib, &emb, &reporter, &cancel).expect_err("cancelled");
    assert!(matches!(err, Error::Cancelled));
    drop(lib);

    let mut lib = Library::open(&path).expect("reopen");
    let resumed = index(&mut lib, &emb);
    assert_eq!((resumed.unchanged, resumed.embedded), (1, 2), "{resumed:?}");

    set_feedback(lib.connection(), space, budget, Feedback::Hide).expect("hide");
    set_feedback(lib.connection(), space, football, Feedback::Pin).expect("pin");
    drop(lib);
    let lib = Library::open(&path).expect("reopen");
    let mut rec = Recommender::new(emb);
    let r = rec.for_article(&lib, space, &RankOptions::default()).expect("related");
    assert_eq!(r.suggestions[0].id, football);
    assert!(r.suggestions[0].pinned);
    assert!(r.suggestions.iter().all(|s| s.id != budget), "hidden stays hidden");
    set_feedback(lib.connection(), space, budget, Feedback::Clear).expect("clear");
    let r = rec.for_article(&lib, space, &RankOptions::default()).expect("related");
    assert!(r.suggestions.iter().any(|s| s.id == budget));
}

#[test]
#[ignore = "needs BYLINE_TEST_MODELS"]
fn near_duplicates_are_flagged_and_drafts_are_fast() {
    let emb = embedder(MINILM);
    let mut lib = Library::open_in_memory().expect("library");
    let space = article(&mut lib, "Artemis launch", SPACE);
    let copy = article(&mut lib, "Artemis launch (web version)", &format!("{SPACE} Updated at noon."));
    article(&mut lib, "Council budget", BUDGET);
    index(&mut lib, &emb);
    let mut rec = Recommender::new(emb);
    let r = rec.for_article(&lib, space, &RankOptions::default()).expect("related");
    assert_eq!(r.already_written.iter().map(|s| s.id).collect::<Vec<_>>(), vec![copy], "{r:#?}");
    assert!(r.suggestions.iter().all(|s| s.id != copy));

    let draft = format!("{BUDGET}\n\nCouncillors said the school funding will rise next year.");
    rec.for_text(&lib, &draft, None, &RankOptions::default()).expect("warm-up");
    let r = rec.for_text(&lib, &draft, None, &RankOptions::default()).expect("draft");
    eprintln!("draft refresh took {:.1} ms", r.elapsed_ms);
    assert!(r.elapsed_ms < 1500.0, "{} ms", r.elapsed_ms);
}

#[test]
#[ignore = "needs BYLINE_TEST_MODELS"]
fn bad_input_gives_results_or_clear_errors() {
    let emb = embedder(MINILM);
    let mut lib = Library::open_in_memory().expect("library");
    let empty = article(&mut lib, "", "");
    let unk = article(&mut lib, "", "ሰላም ለዓለም እንዴት ነህ");
    let huge_text = "The harbour authority met again. ".repeat(160_000); // ~5 MB, one paragraph
    let huge = article(&mut lib, "Huge", &huge_text);
    article(&mut lib, "Council budget", BUDGET);
    assert!(!emb.readable("ሰላም ለዓለም").expect("tokenize"), "Ge'ez script is all [UNK] for this vocabulary");
    let stats = index(&mut lib, &emb);
    assert_eq!(stats.unreadable, 2, "{stats:?}");
    assert_eq!(stats.truncated, 1, "{stats:?}");
    let mut rec = Recommender::new(emb);
    let r = rec.for_article(&lib, empty, &RankOptions::default()).expect("empty article");
    assert!(r.suggestions.is_empty() && r.notes.contains(&crate::RelatedNote::Empty), "{r:?}");
    let r = rec.for_article(&lib, unk, &RankOptions::default()).expect("unknown script");
    assert!(r.notes.iter().any(|n| matches!(n, crate::RelatedNote::UnknownScript { .. })), "{r:?}");
    let r = rec.for_article(&lib, huge, &RankOptions::default()).expect("huge article");
    assert!(r.suggestions.iter().all(|s| s.id != huge));
    let r = rec.for_text(&lib, &huge_text, None, &RankOptions::default()).expect("huge draft");
    assert!(r.notes.iter().any(|n| matches!(n, crate::RelatedNote::FirstPassages { .. })), "{r:?}");

    let dir = tempfile::tempdir().expect("tempdir");
    let missing = Embedder::load(&dir.path().join("nope"), "x", &Device::Cpu).err().expect("missing model");
    assert_eq!(missing.code(), "not_found");
    for f in ["config.json", "tokenizer.json"] {
        std::fs::copy(model_dir().join(f), dir.path().join(f)).expect("copy");
    }
    std::fs::write(dir.path().join("model.safetensors"), b"\x10\x00\x00\x00\x00\x00\x00\x00garbage!").expect("write");
    let corrupt = Embedder::load(dir.path(), "x", &Device::Cpu).err().expect("corrupt model");
    assert_eq!(corrupt.code(), "format", "{corrupt}");
}

#[test]
#[ignore = "needs BYLINE_TEST_MODELS and the shared 20 Newsgroups sample"]
fn hybrid_is_at_least_as_good_as_either_retriever_on_20_newsgroups() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/20newsgroups-mini.jsonl");
    let report = crate::eval::run(embedder(MINILM), &data, 10, &NoProgress, &CancelToken::new()).expect("eval");
    for row in &report.rows {
        eprintln!("| {} | {:.3} | {:.3} | {:.3} |", row.method, row.precision, row.ndcg, row.mrr);
    }
    let ndcg = |name: &str| report.rows.iter().find(|r| r.method == name).map(|r| r.ndcg).expect(name);
    let best_single = ndcg("bm25").max(ndcg("dense"));
    assert!(ndcg(crate::eval::DEFAULT_ROW) >= best_single, "{report:#?}");
}

#[test]
#[ignore = "needs BYLINE_TEST_MODELS"]
fn learning_from_use_helps_the_articles_used_and_leaves_the_others_alone() {
    // Reuters-21578 (R8), a set no parameter was tuned on; simulated sessions on half, the other half queried.
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/reuters-r8-320.jsonl");
    let report =
        crate::eval::simulate_use(embedder(MINILM), &data, 10, &NoProgress, &CancelToken::new()).expect("simulation");
    eprintln!("{report:#?}");
    assert!(report.warm_queries >= 50 && report.cold_queries >= 10, "{report:#?}");
    let content = &report.rows[0];
    for row in &report.rows {
        assert_eq!(
            row.ndcg_cold, content.ndcg_cold,
            "cold start ranks as content alone at weight {}",
            row.co_use_weight
        );
    }
    let default = report.rows.iter().find(|r| r.co_use_weight == crate::CO_USE_WEIGHT).expect("the default weight");
    assert!(default.ndcg_warm > content.ndcg_warm + 0.02, "{report:#?}");
    for fold in &report.folds {
        assert!(fold.ndcg_with_use > fold.ndcg_content, "cross-validated: {fold:?}");
    }
}

#[test]
#[ignore = "needs BYLINE_TEST_MODELS"]
fn on_held_out_news_the_default_beats_dense_only_and_bm25_only() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut reports = Vec::new();
    // The default against the two single retrievers (`byline eval related` compares every configuration).
    let compared: Vec<_> = crate::eval::configurations()
        .into_iter()
        .filter(|(name, _)| [crate::eval::DEFAULT_ROW, crate::eval::DENSE_ROW, "bm25"].contains(&name.as_str()))
        .collect();
    for set in ["lee-2005", "reuters-r8-320"] {
        let path = data.join(format!("{set}.jsonl"));
        let report = crate::eval::run_configurations(
            embedder(MINILM),
            &path,
            10,
            compared.clone(),
            &NoProgress,
            &CancelToken::new(),
        )
        .expect("eval");
        let row = |name: &str| report.rows.iter().find(|r| r.method == name).cloned().expect(name);
        let (default, dense, bm25) = (row(crate::eval::DEFAULT_ROW), row(crate::eval::DENSE_ROW), row("bm25"));
        eprintln!("{set}: default {default:?}\ndense {dense:?}\nbm25 {bm25:?}");
        assert!(default.ndcg > dense.ndcg && default.ndcg > bm25.ndcg, "{set}: {report:#?}");
        assert!(default.ndcg_low < default.ndcg && default.ndcg < default.ndcg_high);
        reports.push((set.to_string(), report));
    }
    // Reuters: the margin over dense-only holds on resampled queries too.
    assert!(reports[1].1.rows.iter().any(|r| r.method == crate::eval::DEFAULT_ROW && r.vs_dense_low > 0.0));
    for held in crate::eval::leave_one_set_out(&reports) {
        assert_eq!(held.chosen, crate::eval::DEFAULT_ROW, "{held:?}");
    }
}

#[test]
#[ignore = "needs BYLINE_TEST_MODELS"]
fn articles_used_together_are_suggested_with_their_reason() {
    let emb = embedder(MINILM);
    let mut lib = Library::open_in_memory().expect("library");
    let ferry = article(&mut lib, "Ferry timetable", "The harbour ferry will run every twenty minutes from March.");
    let council = article(&mut lib, "Council budget", "The council approved a budget with more money for parks.");
    let choir = article(&mut lib, "Choir concert", "The school choir sang carols at the town hall on Sunday.");
    let query =
        article(&mut lib, "Harbour works", "Dredging of the harbour begins next week, the port authority said.");
    // Two earlier stories linked the harbour works and the council budget together.
    for n in 0..2 {
        let body =
            format!("Story {n}: see [works](byline://article/{query}) and [budget](byline://article/{council}).");
        article(&mut lib, &format!("Story {n}"), &body);
    }
    index(&mut lib, &emb);
    let mut rec = Recommender::new(emb);
    let opts = RankOptions { k: 10, ..RankOptions::default() };
    let with_use = rec.for_article(&lib, query, &opts).expect("related");
    let budget = with_use.suggestions.iter().find(|s| s.id == council).expect("the budget is suggested");
    assert_eq!(budget.used_together, 2);
    let content = rec.for_article(&lib, query, &RankOptions { co_use_weight: 0.0, ..opts.clone() }).expect("related");
    let rank = |r: &crate::RelatedResult, id: i64| r.suggestions.iter().position(|s| s.id == id);
    let before = content.suggestions.iter().find(|s| s.id == council).map_or(0.0, |s| s.score);
    // Its score gains the weight times its normalised co-use (the best, 1), on content scaled to the best, 1.
    assert!((budget.score - before - crate::CO_USE_WEIGHT).abs() < 1e-6, "{with_use:#?} {content:#?}");
    assert!(rank(&with_use, council) <= rank(&content, council));
    assert!(with_use.suggestions.iter().filter(|s| s.id == ferry || s.id == choir).all(|s| s.used_together == 0));
    // The reporter resets what was learnt: content alone again.
    byline_library::usage::clear(lib.connection()).expect("reset");
    let reset = rec.for_article(&lib, query, &opts).expect("related");
    let ids = |r: &crate::RelatedResult| r.suggestions.iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(ids(&reset), ids(&content));
}
