//! Quotes checked against transcripts that Whisper made from real audio: jfk.wav, and an interview spoken by
//! eSpeak NG from a script. Ignored by default (they need the test models): `cargo xtask test` runs them.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use byline_core::{CancelToken, NoProgress};
use byline_library::Library;
use byline_quotes::{Change, Corpus, SearchFilter, Verdict, check_text, check_text_within};
use byline_transcribe::store::{self as tstore, Recording};
use byline_transcribe::{Engine, Options, Segment, Transcript, Word};

fn cache() -> PathBuf {
    PathBuf::from(std::env::var_os("BYLINE_TEST_MODELS").expect("set BYLINE_TEST_MODELS: run `cargo xtask test`"))
}

const INTERVIEW: &str = "We will hire ten new teachers in September. \
    The council has not agreed to pay for the new bridge. \
    Our director signed the plan on Monday morning.";

/// A library holding the two transcripts, made once per test process.
fn library() -> &'static (tempfile::TempDir, PathBuf) {
    static LIB: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    LIB.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let interview = dir.path().join("interview.wav");
        let spoken = std::process::Command::new("espeak-ng")
            .args(["-v", "en-us", "-s", "130", "-w"])
            .arg(&interview)
            .arg(INTERVIEW)
            .status()
            .expect("espeak-ng");
        assert!(spoken.success());
        let engine = Engine::load(&cache().join("ggml-tiny.en.bin"))
            .expect("whisper")
            .with_vad(Some(cache().join("home/models/silero-vad/ggml-silero-v6.2.0.bin")));
        let db = dir.path().join("library.sqlite3");
        let lib = Library::open(&db).expect("library");
        for (audio, speaker) in [(cache().join("jfk.wav"), "John F. Kennedy"), (interview, "Director")] {
            let (t, info) = engine
                .transcribe_file(&audio, &Options::default(), &NoProgress, &CancelToken::new(), None)
                .expect("transcribe");
            eprintln!("{}: {}", audio.display(), t.text());
            let rec = Recording {
                path: audio.to_string_lossy().into_owned(),
                sha256: tstore::sha256_file(&audio).expect("hash"),
                duration_s: info.decoded_s,
            };
            let id = tstore::save(lib.connection(), &rec, "tiny.en", &Options::default(), &t).expect("save");
            let mut edited = t.clone();
            for s in &mut edited.segments {
                s.speaker = Some(speaker.into());
            }
            tstore::save_edit(lib.connection(), id, &edited).expect("speakers");
        }
        (dir, db)
    })
}

fn corpus() -> Corpus {
    Corpus::load(Library::open(&library().1).expect("library").connection()).expect("corpus")
}

/// The raw transcript words of the recording whose file name is `name`.
fn words(name: &str) -> Vec<Word> {
    let lib = Library::open(&library().1).expect("library");
    let summary =
        tstore::list(lib.connection()).expect("list").into_iter().find(|s| s.path.ends_with(name)).expect(name);
    tstore::get(lib.connection(), summary.id).expect("get").raw.words().cloned().collect()
}

fn check(draft: &str) -> byline_quotes::QuoteCheck {
    let (mut checks, warnings) = check_text(&corpus(), draft);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(checks.len(), 1, "{checks:?}");
    checks.remove(0)
}

fn bare(w: &str) -> String {
    w.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase()
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_verbatim_quote_is_found_at_its_words_times() {
    let c = check("Kennedy said: “ask not what your country can do for you”.");
    assert_eq!(c.verdict, Verdict::Verbatim, "{c:?}");
    let heard = c.heard.expect("where");
    assert!(heard.recording.ends_with("jfk.wav"));
    assert_eq!(heard.speaker.as_deref(), Some("John F. Kennedy"));
    let w = words("jfk.wav");
    let ask = w.iter().find(|w| bare(&w.text) == "ask").expect("ask");
    let you = w.iter().find(|w| bare(&w.text) == "you" && w.start > ask.start).expect("you");
    assert!((heard.start - ask.start).abs() <= 0.5 && (heard.end - you.end).abs() <= 0.5, "{heard:?} {ask:?} {you:?}");
    assert_eq!(heard.sha256.len(), 64);
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_fragment_quote_around_an_ellipsis_is_found() {
    let c = check("“And so, my fellow Americans … ask what you can do for your country.”");
    assert!(c.verdict <= Verdict::Close, "{c:?}");
    let heard = c.heard.expect("where");
    assert!(heard.start < 2.0 && heard.end > 9.0, "{heard:?}");
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_changed_number_or_an_added_not_is_never_close() {
    let said: String = words("interview.wav").iter().map(|w| bare(&w.text)).collect::<Vec<_>>().join(" ");
    assert!(said.contains("ten") || said.contains("10"), "Whisper heard the number: {said}");
    let c = check("“We will hire twelve new teachers in September.”");
    assert_eq!(c.verdict, Verdict::Altered, "{c:?}");
    assert!(c.reason.contains("number"), "{}", c.reason);
    let c = check("“We will not hire ten new teachers in September.”");
    assert_eq!(c.verdict, Verdict::Altered, "{c:?}");
    // The recording's "not" left out of a quote turns its meaning round as well.
    let c = check("“The council has agreed to pay for the new bridge.”");
    assert_eq!(c.verdict, Verdict::Altered, "{c:?}");
    assert!(c.changes.contains(&Change::Dropped { heard: "not".into() }), "{c:?}");
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_word_the_transcript_misheard_leaves_the_quote_close() {
    // The reporter quotes what was said; the transcript has one word wrong (here: the quote's spelling of
    // the transcript's longest word differs by a letter, as a misheard word does).
    let w = words("interview.wav");
    let first: Vec<String> = w.iter().take(10).map(|w| w.text.trim().to_string()).collect();
    let longest = (0..first.len()).max_by_key(|&i| bare(&first[i]).len()).expect("a word");
    let mut quoted = first.clone();
    let word = bare(&quoted[longest]);
    quoted[longest] = format!("{}{}", &word[..word.len() - 1], if word.ends_with('e') { "a" } else { "e" });
    let c = check(&format!("“{}”", quoted.join(" ")));
    assert_eq!(c.verdict, Verdict::Close, "{c:?}");
    assert_eq!(c.changes.len(), 1, "{:?}", c.changes);
    assert!(c.heard.expect("where").recording.ends_with("interview.wav"));
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn quotes_nobody_said_bad_drafts_and_other_languages() {
    assert_eq!(check("“The budget for schools doubled after the election.”").verdict, Verdict::NotFound);
    assert_eq!(check("市长说：「我们一定会建新的医院。」").verdict, Verdict::NotFound);
    let (checks, warnings) = check_text(&corpus(), "He said “we will build forty new homes and then left.\n\nNext.");
    assert!(checks.is_empty());
    assert_eq!(warnings.len(), 1);
    let long = format!("“{}”", ["the council will decide on the budget"; 286].join(" "));
    let started = Instant::now();
    let c = check(&long);
    assert_eq!(c.verdict, Verdict::NotFound);
    assert!(started.elapsed().as_secs() < 10, "a 2,000-word quote took {:?}", started.elapsed());
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn the_quote_bank_finds_phrases_by_speaker() {
    let corpus = corpus();
    let hits = corpus.search("my fellow Americans", &SearchFilter::default(), 10);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].0, Verdict::Verbatim);
    let kennedy = SearchFilter { speaker: Some("kennedy".into()), ..SearchFilter::default() };
    assert_eq!(corpus.search("what your country can do", &kennedy, 10).len(), 1);
    let director = SearchFilter { speaker: Some("director".into()), ..SearchFilter::default() };
    assert!(corpus.search("what your country can do", &director, 10).is_empty());
    // Fuzzy: a misspelt word still finds it, exact does not.
    assert_eq!(corpus.search("fellow Amercans ask not", &SearchFilter::default(), 10).len(), 1);
    let exact = SearchFilter { exact: true, ..SearchFilter::default() };
    assert!(corpus.search("fellow Amercans ask not", &exact, 10).is_empty());
}

/// Chinese quotes against a Chinese transcript. No Chinese speech model is among the test models, so this
/// transcript is typed (words and times as Whisper gives them for Chinese: several characters a word).
#[test]
fn chinese_quotes_are_checked_character_by_character() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lib = Library::open(&dir.path().join("library.sqlite3")).expect("library");
    let said = [
        ("我们", 0.0),
        ("一定", 0.5),
        ("会", 1.0),
        ("建", 1.2),
        ("新的", 1.5),
        ("医院", 2.0),
        ("明年", 3.0),
        ("开工", 3.5),
    ];
    let words: Vec<Word> =
        said.iter().map(|(t, s)| Word { start: *s, end: s + 0.45, text: t.to_string(), p: 0.9 }).collect();
    let text = said.iter().map(|(t, _)| *t).collect::<String>();
    let t = Transcript {
        language: Some("zh".into()),
        duration_s: 4.0,
        segments: vec![Segment { start: 0.0, end: 4.0, text, speaker: None, words }],
        ..Transcript::default()
    };
    let rec = Recording { path: "/tmp/采访.wav".into(), sha256: "0".repeat(64), duration_s: 4.0 };
    tstore::save(lib.connection(), &rec, "whisper-base", &Options::default(), &t).expect("save");
    let corpus = Corpus::load(lib.connection()).expect("corpus");
    let (checks, _) =
        check_text(&corpus, "市长说：「我们一定会建新的医院」，又说“明年开工”。他还说『我们不会建新的医院』。");
    let verdicts: Vec<Verdict> = checks.iter().map(|c| c.verdict).collect();
    assert_eq!(verdicts, [Verdict::Verbatim, Verdict::Verbatim, Verdict::Altered], "{checks:?}");
    let heard = checks[0].heard.as_ref().expect("where");
    assert!((heard.start - 0.0).abs() < 1e-9 && (heard.end - 2.45).abs() < 1e-9, "{heard:?}");
    assert_eq!(heard.text, "我们一定会建新的医院");
    // The cached index stays until a transcript is edited.
    let cache = byline_quotes::CorpusCache::default();
    let first = cache.get(lib.connection()).expect("index");
    assert!(std::sync::Arc::ptr_eq(&first, &cache.get(lib.connection()).expect("index")));
    let mut edited = t.clone();
    edited.segments[0].speaker = Some("市长".into());
    tstore::save_edit(lib.connection(), 1, &edited).expect("edit");
    let second = cache.get(lib.connection()).expect("index");
    assert!(!std::sync::Arc::ptr_eq(&first, &second));
    let report = cache.check_draft(lib.connection(), "「我们一定会建新的医院」", None).expect("check");
    assert_eq!(report.quotes[0].heard.as_ref().and_then(|h| h.speaker.as_deref()), Some("市长"));
}

/// A story's own interviews: linked to the article, the check looks only there. A quote from another
/// recording in the library is then "not found" with the reason, and a story with no linked interviews says
/// so; unlinking, and deleting the article, remove the link.
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_check_limited_to_the_storys_interviews() {
    use byline_quotes::sources;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("library.sqlite3");
    std::fs::copy(&library().1, &db).expect("copy the library");
    let mut lib = Library::open(&db).expect("library");
    let article = lib
        .create(&byline_library::ArticleFields { title: "Schools".into(), ..Default::default() })
        .expect("article")
        .id;
    let all = tstore::list(lib.connection()).expect("list");
    let id_of = |name: &str| all.iter().find(|s| s.path.ends_with(name)).expect(name).id;
    let (jfk, interview) = (id_of("jfk.wav"), id_of("interview.wav"));
    let draft = "He said “ask not what your country can do for you”. The director said “we will hire ten new \
                 teachers in September”.";
    let corpus = Corpus::load(lib.connection()).expect("corpus");

    let none = sources::ids(lib.connection(), article).expect("ids");
    let (checks, _) = check_text_within(&corpus, draft, Some(&none));
    assert!(checks.iter().all(|c| c.verdict == Verdict::NotFound), "{checks:?}");
    assert_eq!(checks[0].reason, "no interviews are linked to this story to check against");

    sources::link(lib.connection(), article, interview).expect("link");
    sources::link(lib.connection(), article, interview).expect("linking twice changes nothing");
    let only = sources::ids(lib.connection(), article).expect("ids");
    assert_eq!(only, [interview]);
    let (checks, _) = check_text_within(&corpus, draft, Some(&only));
    assert_eq!(checks[0].verdict, Verdict::NotFound, "{:?}", checks[0]);
    assert_eq!(checks[0].reason, "not in this story's interviews");
    assert_eq!(checks[1].verdict, Verdict::Verbatim, "{:?}", checks[1]);
    assert_eq!(checks[1].heard.as_ref().map(|h| h.transcript_id), Some(interview));
    // Against the whole library both are found.
    let (checks, _) = check_text_within(&corpus, draft, None);
    assert!(checks.iter().all(|c| c.verdict == Verdict::Verbatim), "{checks:?}");
    assert_eq!(checks[0].heard.as_ref().map(|h| h.transcript_id), Some(jfk));

    assert_eq!(sources::link(lib.connection(), article, 999_999).expect_err("no such transcript").code(), "not_found");
    assert_eq!(sources::link(lib.connection(), 999_999, jfk).expect_err("no such article").code(), "not_found");
    sources::link(lib.connection(), article, jfk).expect("link");
    assert_eq!(sources::list(lib.connection(), article).expect("list").len(), 2);
    assert!(sources::unlink(lib.connection(), article, jfk).expect("unlink"));
    assert!(!sources::unlink(lib.connection(), article, jfk).expect("unlinked already"));
    lib.delete(article).expect("delete the article");
    let left: i64 =
        lib.connection().query_row("SELECT COUNT(*) FROM article_sources", [], |r| r.get(0)).expect("count");
    assert_eq!(left, 0, "the article's links go with it");
}
