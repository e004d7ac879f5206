//! The `byline` binary end to end on a real library file.
use std::path::Path;
use std::process::Command;

fn byline(home: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_byline")).arg("--home").arg(home).args(args).output().expect("run");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn json(home: &Path, args: &[&str]) -> serde_json::Value {
    let (ok, out, err) = byline(home, args);
    assert!(ok, "{args:?} failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?} printed invalid JSON ({e}): {out}"))
}

#[test]
fn import_search_edit_restore_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).expect("mkdir");
    std::fs::write(
        src.join("en.md"),
        "---\ntitle: Budget vote delayed\nauthor: Ana Ruiz\n---\nThe council delayed its budget vote.\n",
    )
    .expect("write");
    std::fs::write(src.join("zh.md"), "# 地铁票价调整\n\n上海地铁明年起调整票价，市民反应不一。\n").expect("write");
    std::fs::write(src.join("bad.jsonl"), "{\"title\": \"ok\", \"body\": \"Fine line.\"}\n{not json\n").expect("write");

    // The good files are imported; the bad line makes the exit status 4 (input not usable) all the same.
    let out = Command::new(env!("CARGO_BIN_EXE_byline"))
        .arg("--home")
        .arg(&home)
        .args(["library", "import", "--json", src.to_str().expect("utf-8 path")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 file(s) or record(s) could not be imported"));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the summary as JSON");
    assert_eq!(summary["imported"].as_array().map(Vec::len), Some(3), "{summary}");
    assert_eq!(summary["errors"].as_array().map(Vec::len), Some(1), "{summary}");
    assert_eq!(summary["errors"][0]["location"], "line 2");

    let list = json(&home, &["library", "list", "--json"]);
    assert_eq!(list.as_array().map(Vec::len), Some(3));

    let hits = json(&home, &["library", "search", "票价", "--json"]);
    assert_eq!(hits[0]["title"], "地铁票价调整", "{hits}");
    let id = json(&home, &["library", "search", "budget", "--json"])[0]["id"].as_i64().expect("id");
    let article = json(&home, &["library", "show", &id.to_string(), "--json"]);
    assert_eq!(article["byline"], "Ana Ruiz");

    let new_body = dir.path().join("body.md");
    std::fs::write(&new_body, "The council passed its budget after a delay.").expect("write");
    let (ok, _, err) =
        byline(&home, &["library", "edit", &id.to_string(), "--body-file", new_body.to_str().expect("utf-8")]);
    assert!(ok, "{err}");
    let revs = json(&home, &["library", "revisions", &id.to_string(), "--json"]);
    assert_eq!(revs[0]["body"].as_str().map(str::trim), Some("The council delayed its budget vote."));
    let rev = revs[0]["id"].as_i64().expect("rev id").to_string();
    let (ok, out, err) = byline(&home, &["library", "restore", &id.to_string(), &rev]);
    assert!(ok, "{err}");
    assert!(out.contains("Restored"));
    assert_eq!(
        json(&home, &["library", "show", &id.to_string(), "--json"])["body"].as_str().map(str::trim),
        Some("The council delayed its budget vote.")
    );

    let (ok, md, _) = byline(&home, &["library", "export", &id.to_string(), "--format", "md"]);
    assert!(ok && md.starts_with("---\n") && md.contains("Budget vote delayed"), "{md}");
    let out = dir.path().join("a.html");
    let (ok, _, err) = byline(
        &home,
        &["library", "export", &id.to_string(), "--format", "html", "--out", out.to_str().expect("utf-8")],
    );
    assert!(ok, "{err}");
    let html = std::fs::read_to_string(&out).expect("read export");
    assert!(html.contains("<h1>Budget vote delayed</h1>") || html.contains("Budget vote delayed</h1>"), "{html}");

    // An existing file is kept unless --force; with it, a link at that name is replaced, not written through.
    let out_s = out.to_str().expect("utf-8");
    std::fs::write(&out, "the reporter's own page").expect("write");
    let (ok, _, err) = byline(&home, &["library", "export", &id.to_string(), "--format", "md", "--out", out_s]);
    assert!(!ok && err.contains("already exists") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "the reporter's own page");
    let private = dir.path().join("private.txt");
    std::fs::write(&private, "private").expect("write");
    std::fs::remove_file(&out).expect("rm");
    std::os::unix::fs::symlink(&private, &out).expect("symlink");
    let (ok, _, err) =
        byline(&home, &["library", "export", &id.to_string(), "--format", "md", "--out", out_s, "--force"]);
    assert!(ok, "{err}");
    assert_eq!(std::fs::read_to_string(&private).expect("read"), "private");
    assert!(std::fs::read_to_string(&out).expect("read").contains("Budget vote delayed"));
}

/// `byline library list | head -1` ends quietly: no panic, no "Broken pipe" message.
#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    // Bigger than a pipe's buffer, so the child is still writing when the reader hangs up.
    let story = dir.path().join("long.md");
    std::fs::write(&story, format!("# A long story\n\n{}\n", "The council met again. ".repeat(20_000))).expect("write");
    let (ok, _, err) = byline(&home, &["library", "import", story.to_str().expect("utf-8")]);
    assert!(ok, "{err}");
    for args in [&["library", "show", "1"][..], &["library", "show", "1", "--json"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_byline"))
            .arg("--home")
            .arg(&home)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // Read one byte, then hang up: the next write of the child meets a closed pipe.
        let mut stdout = child.stdout.take().expect("stdout");
        let mut first = [0u8; 1];
        std::io::Read::read_exact(&mut stdout, &mut first).expect("some output");
        drop(stdout);
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

fn status(home: &Path, args: &[&str]) -> Option<i32> {
    Command::new(env!("CARGO_BIN_EXE_byline")).arg("--home").arg(home).args(args).output().expect("run").status.code()
}

#[test]
fn exit_codes_tell_the_kind_of_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(status(dir.path(), &["library", "list"]), Some(0));
    assert_eq!(status(dir.path(), &["library", "show", "42"]), Some(3), "not found");
    let bad = dir.path().join("bad.gguf");
    std::fs::write(&bad, b"GGUF but not really").expect("write");
    assert_eq!(
        status(dir.path(), &["generate", "--model-path", bad.to_str().expect("utf-8"), "--prompt", "hi"]),
        Some(4),
        "unusable input"
    );
    assert_eq!(status(dir.path(), &["device", "--device", "tpu"]), Some(2), "a wrong command line");
    let (_, out, _) = byline(dir.path(), &["--help"]);
    assert!(out.contains("Exit codes:") && out.contains("3 not found"), "{out}");
}

#[test]
fn errors_are_clear_and_exit_nonzero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, _, err) = byline(dir.path(), &["library", "show", "42"]);
    assert!(!ok);
    assert!(err.contains("article 42 was not found"), "{err}");
    let (ok, _, err) = byline(dir.path(), &["library", "restore", "42", "1"]);
    assert!(!ok && err.contains("42"), "{err}");
}

#[test]
fn device_choice_is_reported_and_falls_back_to_cpu() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = json(dir.path(), &["device", "--device", "cpu", "--threads", "2", "--json"]);
    assert_eq!(report["name"], "cpu");
    assert_eq!(report["threads"], 2);
    if !cfg!(feature = "cuda") {
        let report = json(dir.path(), &["device", "--device", "cuda", "--json"]);
        assert_eq!(report["name"], "cpu");
        assert_eq!(report["fallback"]["code"], "no_cuda_support", "{report}");
        let (ok, out, _) = byline(dir.path(), &["device", "--device", "cuda"]);
        assert!(ok && out.contains("this build has no CUDA support"), "the line says why in words: {out}");
    }
    let (ok, _, err) = byline(dir.path(), &["device", "--device", "tpu"]);
    assert!(!ok && err.contains("unknown device"), "{err}");
}

/// `models recommend` names one model per capability for this machine, with reasons, and follows the
/// reporter's language; a catalog file in `BYLINE_CATALOG` replaces the built-in one.
#[test]
fn models_are_recommended_for_this_machine_and_language() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = json(dir.path(), &["models", "recommend", "--json"]);
    let pick = |plan: &serde_json::Value, capability: &str| -> serde_json::Value {
        plan["picks"]
            .as_array()
            .and_then(|p| p.iter().find(|p| p["capability"] == capability).cloned())
            .expect(capability)
    };
    assert_eq!(pick(&plan, "transcription")["id"], "whisper-base", "{plan}");
    assert_eq!(pick(&plan, "related")["id"], "all-minilm-l6-v2");
    assert!(plan["machine"]["disk_free_mb"].as_u64().is_some(), "{plan}");
    assert!(pick(&plan, "drafting")["reasons"].as_array().is_some_and(|r| !r.is_empty()));
    let chinese = json(dir.path(), &["models", "recommend", "--chinese", "--json"]);
    assert_eq!(pick(&chinese, "related")["id"], "paraphrase-multilingual-minilm-l12-v2");
    assert_eq!(pick(&chinese, "tone")["selected"], false);
    let (ok, table, _) = byline(dir.path(), &["models", "recommend"]);
    assert!(ok && table.contains("This machine:") && table.contains("whisper-base"), "{table}");

    let catalog = dir.path().join("desk.toml");
    std::fs::write(
        &catalog,
        "[[model]]\nid = \"desk-whisper\"\nname = \"Desk\"\ntask = \"whisper\"\nformat = \"ggml\"\nlicence = \"MIT\"\n\
         languages = []\nram_mb = 1\ndownload_mb = 1\ndescription = \"d\"\n\n[[model.files]]\npath = \"m.bin\"\n\
         sources = [{ kind = \"url\", url = \"http://127.0.0.1:9/m.bin\" }]\n",
    )
    .expect("catalog");
    let out = Command::new(env!("CARGO_BIN_EXE_byline"))
        .arg("--home")
        .arg(dir.path())
        .args(["models", "recommend", "--json"])
        .env("BYLINE_CATALOG", &catalog)
        .output()
        .expect("run");
    let desk: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = desk["picks"].as_array().expect("picks").iter().filter_map(|p| p["id"].as_str()).collect();
    assert_eq!(ids, ["desk-whisper"], "{desk}");
}

/// A list cut at its limit says how many more there are (on stderr, so scripts read only articles).
#[test]
fn a_cut_list_says_how_many_more() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    for i in 0..3 {
        std::fs::write(corpus.join(format!("{i}.md")), format!("# Story {i}\n\nBody {i}.\n")).expect("write");
    }
    let (ok, _, err) = byline(&home, &["library", "import", corpus.to_str().expect("utf-8")]);
    assert!(ok, "{err}");
    let (ok, out, err) = byline(&home, &["library", "list", "--limit", "1"]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(err.contains("and 2 more") && err.contains("--offset 1"), "{err}");
    let (ok, out, err) = byline(&home, &["library", "list"]);
    assert!(ok && out.lines().count() == 3 && !err.contains("more"), "{out}{err}");
}

/// `byline quotes`: a draft's quotes against a library without transcripts are "not found" with the reason,
/// an unclosed quotation mark is reported, and the quote bank answers a search (here: nothing) in JSON.
#[test]
fn quotes_check_and_search() {
    let home = tempfile::tempdir().expect("tempdir");
    let draft = home.path().join("draft.md");
    std::fs::write(&draft, "The mayor said “we will build the hospital next year”.\n\nThen “this never closes.")
        .expect("write");
    let report = json(home.path(), &["quotes", "check", "--text", &draft.to_string_lossy(), "--json"]);
    let quotes = report["quotes"].as_array().expect("quotes");
    assert_eq!(quotes.len(), 1, "{report}");
    assert_eq!(quotes[0]["verdict"], "not_found");
    assert_eq!(quotes[0]["reason"], "there are no transcripts to check against");
    assert_eq!(quotes[0]["quote"]["text"], "we will build the hospital next year");
    assert_eq!(report["warnings"].as_array().map(Vec::len), Some(1), "{report}");
    let hits = json(home.path(), &["quotes", "search", "build the hospital", "--json"]);
    assert_eq!(hits.as_array().map(Vec::len), Some(0));
    let (ok, out, _) = byline(home.path(), &["quotes", "check", "--text", &draft.to_string_lossy()]);
    assert!(ok && out.contains("NOT FOUND"), "{out}");
    // The story's own interviews: only for an article, and only ones that exist.
    let (ok, _, err) = byline(home.path(), &["quotes", "check", "--text", &draft.to_string_lossy(), "--sources"]);
    assert!(!ok && err.contains("--article"), "{err}");
    let (ok, _, err) = byline(home.path(), &["quotes", "link", "--article", "7", "--transcript", "3"]);
    assert!(!ok && err.contains("not found"), "{err}");
    let (ok, _, err) = byline(home.path(), &["quotes", "sources", "--article", "7"]);
    assert!(!ok && err.contains("not found"), "{err}");
}

/// `byline transcribe --speakers` on pyannote.audio's real two-speaker sample, then
/// `byline transcripts speakers ID --rename`: the edited copy and its exports carry the new names, the raw
/// transcript keeps the found ones, and no time moves.
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn speakers_are_found_renamed_and_exported() {
    let models = std::env::var_os("BYLINE_TEST_MODELS").map(std::path::PathBuf::from).expect("BYLINE_TEST_MODELS");
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::os::unix::fs::symlink(models.join("home/models"), home.join("models")).expect("link the models");
    let wav = dir.path().join("interview.wav");
    std::fs::copy(models.join("packages/pyannote.audio-4.0.7/src/pyannote/audio/sample/sample.wav"), &wav)
        .expect("copy the sample");
    let out = dir.path().join("out");
    let (ok, _, err) = byline(
        &home,
        &[
            "transcribe",
            wav.to_str().expect("utf-8"),
            "--model",
            "whisper-tiny.en-ct2",
            "--speakers",
            "2",
            "--format",
            "json",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert!(ok, "{err}");
    assert!(err.contains("2 speakers told apart (CAM++"), "{err}");
    let (bad, _, err) = byline(&home, &["transcribe", wav.to_str().expect("utf-8"), "--speakers", "many"]);
    assert!(!bad && err.contains("use auto, off or a number"), "{err}");

    let listed = json(&home, &["transcripts", "speakers", "1", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    assert_eq!(listed[0]["name"], "Speaker 1");
    let renamed = json(&home, &["transcripts", "speakers", "1", "--rename", "1=Mayor Chen", "--json"]);
    assert_eq!(renamed[0]["name"], "Mayor Chen", "{renamed}");
    assert_eq!(renamed[1]["name"], "Speaker 2");
    let (ok, _, err) = byline(&home, &["transcripts", "speakers", "1", "--rename", "7=Nobody"]);
    assert!(!ok && err.contains("no speaker \"7\""), "{err}");

    let (ok, srt, err) = byline(&home, &["transcripts", "export", "1", "--format", "srt"]);
    assert!(ok, "{err}");
    assert!(srt.contains("Mayor Chen: ") && srt.contains("Speaker 2: ") && !srt.contains("Speaker 1"), "{srt}");
    let shown = json(&home, &["transcripts", "show", "1", "--json"]);
    let times = |t: &serde_json::Value| -> Vec<(f64, f64)> {
        t["segments"]
            .as_array()
            .expect("segments")
            .iter()
            .flat_map(|s| s["words"].as_array().expect("words").iter())
            .map(|w| (w["start"].as_f64().expect("start"), w["end"].as_f64().expect("end")))
            .collect()
    };
    assert_eq!(times(&shown["raw"]), times(&shown["edited"]));
    assert!(shown["raw"].to_string().contains("Speaker 1") && !shown["raw"].to_string().contains("Mayor Chen"));
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("interview.json")).expect("json export")).expect("parse");
    assert!(exported["words"].as_array().expect("flat words").iter().all(|w| w["speaker"].is_string()));

    // Tone per speaker, by the names in the edited copy.
    let tone = json(&home, &["sentiment", "--transcript", "1", "--engine", "lexicon", "--json"]);
    let names: Vec<&str> =
        tone["speakers"].as_array().expect("speakers").iter().filter_map(|s| s["speaker"].as_str()).collect();
    assert_eq!(names, ["Mayor Chen", "Speaker 2"], "{tone}");

    // The name was saved with the transcript, so the voice is remembered, and can be forgotten.
    let voices = json(&home, &["transcripts", "voices", "--json"]);
    assert_eq!(voices[0]["name"], "Mayor Chen", "{voices}");
    let voices = json(&home, &["transcripts", "voices", "--delete", "Mayor Chen", "--json"]);
    assert_eq!(voices.as_array().map(Vec::len), Some(0), "{voices}");
    let (ok, _, err) = byline(&home, &["transcripts", "voices", "--delete", "Nobody"]);
    assert!(!ok && err.contains("Nobody"), "{err}");
}
