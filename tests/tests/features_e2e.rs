//! The inference features in the real app: related articles following a draft, and an interview
//! transcribed, clicked and exported. They run on the real test models (`cargo xtask test` fetches them).

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use byline_library::{ArticleFields, Library};
use serde_json::json;
use support::Driver;

fn env_path(name: &str) -> PathBuf {
    std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| panic!("{name} is not set: run `cargo xtask test`"))
}

/// A data folder whose models are the fetched test models (linked, not copied).
fn home_with_models(dir: &Path) -> PathBuf {
    let cache = env_path("BYLINE_TEST_MODELS");
    let home = dir.join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::os::unix::fs::symlink(cache.join("home/models"), home.join("models")).expect("link the models");
    home
}

fn article(title: &str, body: &str) -> ArticleFields {
    ArticleFields { title: title.into(), body: body.into(), ..ArticleFields::default() }
}

fn start(home: &Path) -> Driver {
    Driver::start(&env_path("BYLINE_E2E_DRIVER"), &env_path("BYLINE_E2E_APP"), &[("BYLINE_HOME", home)])
}

/// The app with its sound going through the PulseAudio server at `server` (a null sink and its monitor).
fn start_with_sound(home: &Path, server: &Path) -> Driver {
    Driver::start(
        &env_path("BYLINE_E2E_DRIVER"),
        &env_path("BYLINE_E2E_APP"),
        &[("BYLINE_HOME", home), ("PULSE_SERVER", server)],
    )
}

/// A private sound server, and the app on it with article `id` open in the editor.
fn open_with_sound(dir: &Path, home: &Path, id: i64) -> (Driver, byline_speech::testing::NullAudio) {
    let audio = byline_speech::testing::NullAudio::start(dir);
    let server = PathBuf::from(audio.pulse_server());
    let d = start_with_sound(home, &server);
    d.click(&d.wait_for(&format!("[data-testid=article-item][data-id='{id}']")));
    d.wait_for("[data-testid=editor-body]");
    (d, audio)
}

/// axe-core finds no serious or critical WCAG 2.1 A/AA violation in the window as it is now, in the light and
/// the dark theme (the first-hour tests check every screen empty; these, screens full of a feature's results).
fn assert_accessible(d: &Driver, what: &str) {
    let axe = support::axe_source();
    let mut failures = Vec::new();
    for theme in ["light", "dark"] {
        d.execute_async(
            "const [theme, done] = arguments; document.documentElement.dataset.theme = theme; \
             requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
            json!([theme]),
        );
        failures.extend(d.serious_violations(&axe).into_iter().map(|v| format!("{theme}: {v}")));
    }
    assert!(failures.is_empty(), "{what}: accessibility violations:\n{}", failures.join("\n"));
}

fn artifact(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts").join(name)
}

#[test]
#[ignore = "needs the built app, tauri-driver, a display and the test models: run `cargo xtask test`"]
fn related_panel_follows_the_draft() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = home_with_models(dir.path());
    let (draft_id, bridge_id) = {
        let mut library = Library::open(&home.join("library.sqlite3")).expect("library");
        let mut ids = Vec::new();
        for fields in [
            article(
                "River flood defences approved",
                "The council approved new flood defences along the river after last winter's floods \
                 damaged three hundred homes. The barrier will protect the town centre from high water.",
            ),
            article(
                "School budget cut angers teachers",
                "Teachers and parents protested as the education department cut the school budget. \
                 Pupils will lose music lessons and class sizes will grow.",
            ),
            article(
                "New bridge opens to traffic",
                "The new road bridge opened on Monday, cutting journey times for commuters and lorries \
                 crossing the valley.",
            ),
            article("Notes for a new story", "Draft notes."),
        ] {
            ids.push(library.create(&fields).expect("article").id);
        }
        let (draft, bridge) = (ids[3], ids[2]);
        // An earlier roundup linked the story being written and the bridge: they were used together.
        let roundup =
            format!("This week: [the notes](byline://article/{draft}) and [the bridge](byline://article/{bridge}).");
        library.create(&article("Weekly roundup", &roundup)).expect("roundup");
        (draft, bridge)
    };

    let d = start(&home);
    d.click(&d.wait_for(&format!("[data-testid=article-item][data-id='{draft_id}']")));
    d.click(&d.wait_for("[data-testid=side-related]"));
    d.wait_for("[data-testid=related-panel]");
    d.click(&d.wait_for("[data-testid=related-index]"));
    // Indexing embeds four articles with all-MiniLM-L6-v2; the button comes back when it is done.
    d.wait_longer("the index to finish", Duration::from_secs(120), || {
        (d.find_all("[data-testid=related-index-progress]").is_empty()
            && !d.find_all("[data-testid=related-index]").is_empty())
        .then_some(())
    });

    let body = d.wait_for("[data-testid=editor-body]");
    let first_suggestion = |expected: &str| {
        d.wait_longer(&format!("\"{expected}\" first among the suggestions"), Duration::from_secs(60), || {
            let items = d.find_all("[data-testid=related-item]");
            items.first().map(|i| d.text(i)).filter(|t| t.contains(expected))
        })
    };
    d.clear(&body);
    d.type_into(&body, "Storm warning: the river is rising and flood barriers may not hold, residents fear.");
    first_suggestion("River flood defences approved");

    // The panel follows the text as the reporter keeps writing.
    d.clear(&body);
    d.type_into(&body, "Parents say teachers cannot cope after the school budget cut removed music lessons.");
    first_suggestion("School budget cut angers teachers");
    let why = d.find_all("[data-testid=related-why]");
    assert!(!why.is_empty(), "each suggestion says why it is related");

    // Learning from use: the bridge was used together with this story, and says so; the reporter can see
    // what was learnt and forget it.
    let used =
        d.wait_for(&format!("[data-testid=related-item][data-id='{bridge_id}'] [data-testid=related-used-together]"));
    assert_eq!(d.text(&used), "You used these together in 1 story");
    let learnt = d.wait_for("[data-testid=related-learnt-count]");
    assert_eq!(d.text(&learnt), "Learnt from your use: 2 uses");
    std::thread::sleep(Duration::from_millis(500));
    d.screenshot(&artifact("related.png"));
    d.click(&learnt);
    d.click(&d.wait_for("[data-testid=related-forget]"));
    d.wait_until("what was learnt to be forgotten", || {
        (d.find_all("[data-testid=related-learnt]").is_empty()
            && d.find_all("[data-testid=related-used-together]").is_empty())
        .then_some(())
    });
    let library = Library::open(&home.join("library.sqlite3")).expect("library");
    assert_eq!(byline_library::usage::count(library.connection()).expect("count"), 0);
}

#[test]
#[ignore = "needs the built app, tauri-driver, a display and the test models: run `cargo xtask test`"]
fn interview_is_transcribed_clicked_and_exported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = home_with_models(dir.path());
    let jfk = env_path("BYLINE_TEST_MODELS").join("jfk.wav");

    let d = start(&home);
    d.click(&d.wait_for("[data-testid=transcripts-button]"));
    d.choose_recording(&home, &jfk);
    d.click(&d.wait_for("[data-testid=transcribe-start]"));

    // First use converts the CTranslate2 model to ggml, then whisper.cpp runs on two cores.
    let words = d.wait_longer("the transcript's words", Duration::from_secs(240), || {
        Some(d.find_all("[data-testid=transcript-word]")).filter(|w| w.len() > 15)
    });
    let texts: Vec<String> = words.iter().map(|w| d.text(w).to_lowercase()).collect();
    let joined = texts.join(" ");
    for word in ["fellow", "americans", "country"] {
        assert!(joined.contains(word), "\"{word}\" missing from: {joined}");
    }
    let country = words
        .iter()
        .zip(&texts)
        .find(|(_, t)| t.contains("country"))
        .map(|(w, _)| w.clone())
        .expect("the word country");
    d.click(&country);
    let seek = d.wait_for("[data-testid=transcript-seek-time]");
    let shown = d.wait_until("the clicked word's time", || Some(d.text(&seek)).filter(|t| !t.trim().is_empty()));
    assert!(shown.contains(':'), "a timestamp: {shown}");

    let format = d.wait_for("[data-testid=transcript-export-format]");
    d.click(&format);
    d.click(&d.wait_for("[data-testid=transcript-export-format] option[value=srt]"));
    d.click(&d.wait_for("[data-testid=transcript-export]"));
    let exported = d.wait_for("[data-testid=transcript-export-path]");
    let text = d.text(&exported);
    let file = text.trim().strip_prefix("Exported to ").expect("the export path").trim().to_string();
    std::thread::sleep(Duration::from_millis(500));
    d.screenshot(&artifact("transcript.png"));
    assert_accessible(&d, "a transcript open");
    drop(d);

    let srt = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("reading {file}: {e}"));
    assert!(srt.starts_with("1\n") || srt.starts_with("1\r\n"), "{srt}");
    assert!(srt.contains(" --> "), "{srt}");
    assert!(srt.to_lowercase().contains("ask not what your country can do for you"), "{srt}");
}

/// A faster-whisper (CTranslate2) folder the reporter already has, imported on the Models screen: it is
/// registered as a speech model, and with no other installed it transcribes jfk.wav (converted to ggml on
/// first use).
#[test]
#[ignore = "needs the built app, tauri-driver, a display and the test models: run `cargo xtask test`"]
fn a_faster_whisper_folder_is_imported_and_transcribes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let cache = env_path("BYLINE_TEST_MODELS");
    // The folder as faster-whisper users have it: no Byline manifest, no ggml conversion.
    let folder = dir.path().join("faster-whisper-tiny.en");
    std::fs::create_dir_all(&folder).expect("mkdir");
    for name in ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"] {
        std::fs::copy(cache.join("home/models/whisper-tiny.en-ct2").join(name), folder.join(name)).expect("copy");
    }

    let d = start(&home);
    d.click(&d.wait_for("[data-testid=models-button]"));
    support::answer_next_dialog(&home, &[&folder]);
    d.click(&d.wait_for("[data-testid=models-import-folder]"));
    d.wait_longer("the imported model, installed", Duration::from_secs(120), || {
        d.find_all("[data-testid=model-row][data-id='faster-whisper-tiny.en'][data-installed='true']")
            .into_iter()
            .next()
    });
    d.click(&d.wait_for("[data-testid=models-back]"));

    d.click(&d.wait_for("[data-testid=transcripts-button]"));
    d.choose_recording(&home, &cache.join("jfk.wav"));
    d.click(&d.wait_for("[data-testid=transcribe-start]"));
    let words = d.wait_longer("the transcript's words", Duration::from_secs(240), || {
        Some(d.find_all("[data-testid=transcript-word]")).filter(|w| w.len() > 15)
    });
    let joined = words.iter().map(|w| d.text(w).to_lowercase()).collect::<Vec<_>>().join(" ");
    let plain: String = joined.chars().filter(|c| c.is_alphanumeric() || c.is_whitespace()).collect();
    let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(plain.contains("ask not what your country can do for you"), "{joined}");
    let manifest =
        std::fs::read_to_string(home.join("models/faster-whisper-tiny.en/byline-model.json")).expect("manifest");
    assert!(manifest.contains("\"task\": \"whisper\""), "registered as a speech model: {manifest}");
}

/// A real two-speaker conversation (pyannote.audio's sample) transcribed with "Speakers: 2"; the reporter
/// names the first voice, the SRT export carries the name, and the voice is then known (and forgotten).
#[test]
#[ignore = "needs the built app, tauri-driver, a display and the test models: run `cargo xtask test`"]
fn speakers_are_found_named_and_exported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = home_with_models(dir.path());
    let wav = dir.path().join("two-voices.wav");
    std::fs::copy(
        env_path("BYLINE_TEST_MODELS").join("packages/pyannote.audio-4.0.7/src/pyannote/audio/sample/sample.wav"),
        &wav,
    )
    .expect("copy the sample");

    let d = start(&home);
    d.click(&d.wait_for("[data-testid=transcripts-button]"));
    d.choose_recording(&home, &wav);
    d.click(&d.wait_for("[data-testid=transcript-panel] details.options summary"));
    d.click(&d.wait_for("[data-testid=transcribe-speakers]"));
    d.click(&d.wait_for("[data-testid=transcribe-speakers] option[value='2']"));
    d.click(&d.wait_for("[data-testid=transcribe-start]"));

    let names = d.wait_longer("two speakers", Duration::from_secs(240), || {
        Some(d.find_all("[data-testid=speaker-name]")).filter(|n| n.len() == 2)
    });
    let value = |e: &str| d.property(e, "value").as_str().unwrap_or_default().to_string();
    assert_eq!(value(&names[0]), "Speaker 1");
    d.clear(&names[0]);
    d.type_into(&names[0], "Mayor Chen\u{E007}");
    d.wait_until("the new name everywhere", || {
        let names = d.find_all("[data-testid=speaker-name]");
        let values: Vec<String> = names.iter().map(|n| value(n)).collect();
        (values == ["Mayor Chen", "Speaker 2"]).then_some(())
    });

    // Each named speaker's tone.
    d.click(&d.wait_for("[data-testid=speaker-tone]"));
    let tone = d.wait_for("[data-testid=speaker-tone-result]");
    let tone = d.wait_until("a tone per speaker", || Some(d.text(&tone)).filter(|t| t.contains("Speaker 2")));
    assert!(
        tone.contains("Mayor Chen") && ["positive", "neutral", "negative"].iter().any(|l| tone.contains(l)),
        "{tone}"
    );

    // A turn the diarization got wrong goes to a third speaker in one step: select it, type the name.
    let turns = d.find_all("[data-testid=transcript-segment] button.time");
    d.click(turns.last().expect("turns"));
    d.type_into(&d.wait_for("[data-testid=speaker-assign-name]"), "Guest");
    d.click(&d.wait_for("[data-testid=speaker-assign-go]"));
    d.wait_until("a third speaker", || {
        let values: Vec<String> = d.find_all("[data-testid=speaker-name]").iter().map(|n| value(n)).collect();
        (values.len() == 3 && values.last().is_some_and(|v| v == "Guest")).then_some(())
    });

    d.click(&d.wait_for("[data-testid=transcript-export-format]"));
    d.click(&d.wait_for("[data-testid=transcript-export-format] option[value=srt]"));
    d.click(&d.wait_for("[data-testid=transcript-export]"));
    let exported = d.wait_for("[data-testid=transcript-export-path]");
    let text = d.text(&exported);
    let file = text.trim().strip_prefix("Exported to ").expect("the export path").trim().to_string();
    d.screenshot(&artifact("speakers.png"));

    // Exporting saved the transcript with the name, so the voice is now known; it can be forgotten.
    d.click(&d.wait_for("[data-testid=known-voices] summary"));
    let profile = d.wait_for("[data-testid=voice-profile]");
    assert!(d.text(&profile).contains("Mayor Chen"), "{}", d.text(&profile));
    d.click(&d.wait_for("[data-testid=voice-forget]"));
    d.wait_until("the voice forgotten", || d.find_all("[data-testid=voice-profile]").is_empty().then_some(()));
    drop(d);

    let srt = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("reading {file}: {e}"));
    assert!(srt.contains("Mayor Chen: ") && srt.contains("Speaker 2: ") && !srt.contains("Speaker 1"), "{srt}");
    let last_cue = srt.trim_end().rsplit("\n\n").next().unwrap_or_default();
    assert!(last_cue.contains("Guest: "), "the last turn is the guest's: {srt}");
}

#[test]
#[ignore = "needs the built app, tauri-driver, a display and the test models: run `cargo xtask test`"]
fn assistant_streams_a_task_and_stops() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = home_with_models(dir.path());
    {
        let mut library = Library::open(&home.join("library.sqlite3")).expect("library");
        library
            .create(&article(
                "Council approves river flood barrier",
                // Long enough that its translation (the task run below) outlasts a click on Stop on any
                // machine: the output is as long as the input, hundreds of tokens.
                &"The city council voted on Tuesday to build a flood barrier on the river. The barrier will \
                  cost 20 million pounds and protect 300 homes. Residents welcomed the decision after \
                  last winter's floods. "
                    .repeat(8),
            ))
            .expect("article");
    }

    let d = start(&home);
    let item = d.wait_for("[data-testid=article-item]");
    d.click(&item);
    d.wait_until("the article in the editor", || {
        (d.current_value("[data-testid=editor-title]").as_deref() == Some("Council approves river flood barrier"))
            .then_some(())
    });
    d.click(&d.wait_for("[data-testid=side-assistant]"));
    d.wait_for("[data-testid=assistant-panel]");
    let task = d.wait_for("[data-testid=assistant-task]");
    d.click(&task);
    d.click(&d.wait_for("[data-testid=assistant-task] option[value=summary]"));

    // Tasks are templates the desk can edit: rename this one and save it to the library.
    d.click(&d.wait_for("[data-testid=assistant-edit-task]"));
    let name = d.wait_for("[data-testid=assistant-task-name]");
    d.clear(&name);
    d.type_into(&name, "Desk summary");
    d.click(&d.wait_for("[data-testid=assistant-task-save]"));
    d.wait_until("the renamed task in the list", || {
        let option = d.find_all("[data-testid=assistant-task] option[value=summary]").into_iter().next()?;
        (d.text(&option) == "Desk summary").then_some(())
    });
    // Run a translation of the whole (long) article: its output is as long as the input, so the run is
    // still streaming when Stop lands, however fast the machine.
    d.click(&task);
    d.click(&d.wait_for("[data-testid=assistant-task] option[value=translate]"));
    let request = d.wait_for("[data-testid=assistant-request]");
    d.type_into(&request, "French");
    d.click(&d.wait_for("[data-testid=assistant-run]"));

    // SmolLM2 streams tokens into the panel; Stop ends the run long before its token budget.
    let output = d.wait_for("[data-testid=assistant-output]");
    let streamed = d.wait_longer("streamed text", Duration::from_secs(120), || {
        Some(d.text(&output)).filter(|t| t.split_whitespace().count() >= 3)
    });
    d.click(&d.wait_for("[data-testid=assistant-stop]"));
    let status = d.wait_longer("the run to end", Duration::from_secs(30), || {
        d.find_all("[data-testid=assistant-run]").first()?;
        d.find_all("[data-testid=assistant-status]").first().map(|s| d.text(s))
    });
    assert!(status.to_lowercase().contains("stop"), "status after Stop: {status}");
    let final_text = d.text(&output);
    assert!(final_text.starts_with(streamed.trim_end()), "kept what had streamed: {streamed:?} → {final_text:?}");
    std::thread::sleep(Duration::from_millis(500));
    d.screenshot(&artifact("assistant.png"));
    drop(d);
    let library = Library::open(&home.join("library.sqlite3")).expect("library");
    let edited = saved_task_name(&library, "summary");
    assert_eq!(edited.as_deref(), Some("Desk summary"), "the edit is kept in the library");
}

fn saved_task_name(library: &Library, key: &str) -> Option<String> {
    library
        .connection()
        .query_row("SELECT name FROM assistant_tasks WHERE key = ?1 AND language = 'en'", [key], |r| r.get(0))
        .ok()
}

#[test]
#[ignore = "needs the built app, tauri-driver and a display: run `cargo xtask test`"]
fn tone_panel_scores_the_draft_sentence_by_sentence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    {
        let mut library = Library::open(&home.join("library.sqlite3")).expect("library");
        library
            .create(&article(
                "Festival review",
                "The festival was a wonderful success and the crowds loved it. \
                 Sadly, the traffic afterwards was a terrible mess.\n\n市民对新公园非常满意。",
            ))
            .expect("article");
    }
    let d = start(&home);
    d.click(&d.wait_for("[data-testid=article-item]"));
    d.wait_for("[data-testid=editor-body]");
    d.click(&d.wait_for("[data-testid=side-sentiment]"));
    d.wait_for("[data-testid=sentiment-panel]");
    let sentences = d.wait_longer("scored sentences", Duration::from_secs(60), || {
        Some(d.find_all("[data-testid=sentiment-sentence]")).filter(|s| s.len() >= 3)
    });
    let texts: Vec<String> = sentences.iter().map(|s| d.text(s)).collect();
    assert!(texts.iter().any(|t| t.contains("wonderful")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("新公园")), "Chinese is scored too: {texts:?}");
    d.wait_for("[data-testid=sentiment-overall]");
    std::thread::sleep(Duration::from_millis(500));
    d.screenshot(&artifact("tone.png"));

    // The classifier stays loaded for the next draft change; the Models screen shows it and frees it.
    d.click(&d.wait_for("[data-testid=models-button]"));
    let loaded = d.wait_for("[data-testid=loaded-model][data-kind='sentiment model']");
    assert!(d.text(&loaded).to_lowercase().contains("sentiment model"), "{}", d.text(&loaded));
    d.click(&d.wait_for("[data-testid=loaded-free]"));
    d.wait_for("[data-testid=loaded-none]");
}

#[test]
#[ignore = "needs the built app, tauri-driver and a display: run `cargo xtask test`"]
fn illustration_is_generated_into_the_gallery() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let paths = byline_core::AppPaths::at(&home);
    paths.ensure().expect("data folder");
    // No real Stable Diffusion weights can be fetched here: a tiny random-weight pipeline in the
    // diffusers layout, imported through the model store like a reporter's own folder.
    let tiny = dir.path().join("tiny-sd");
    byline_images::testing::write_tiny_pipeline(&tiny).expect("tiny pipeline");
    let manifest = byline_models::Store::new(&paths)
        .expect("store")
        .import(&tiny, &byline_core::CancelToken::new())
        .expect("import the tiny pipeline");
    let article_id = {
        let mut library = Library::open(&paths.library_db()).expect("library");
        library.create(&article("Harbour explainer", "How the harbour works at night.")).expect("article").id
    };

    let d = start(&home);
    d.click(&d.wait_for(&format!("[data-testid=article-item][data-id='{article_id}']")));
    d.wait_for("[data-testid=editor-body]");
    d.click(&d.wait_for("[data-testid=side-images]"));
    d.wait_for("[data-testid=images-panel]");
    let model = d.wait_for("[data-testid=images-model]");
    assert_eq!(d.property(&model, "value").as_str(), Some(manifest.id.as_str()), "the imported model is offered");

    d.type_into(&d.wait_for("[data-testid=images-prompt]"), "cat harbour night");
    for (field, value) in [("images-width", "64"), ("images-height", "64")] {
        let input = d.wait_for(&format!("[data-testid={field}]"));
        d.clear(&input);
        d.type_into(&input, value);
    }
    d.click(&d.wait_for("[data-testid=images-generate]"));
    let items = d.wait_longer("the illustration in the gallery", Duration::from_secs(180), || {
        Some(d.find_all("[data-testid=images-item]")).filter(|items| !items.is_empty())
    });
    let caption = d.text(&items[0]);
    assert!(caption.contains("AI-generated"), "the gallery says how it was made: {caption}");
    std::thread::sleep(Duration::from_millis(500));
    d.screenshot(&artifact("images.png"));
    drop(d);

    // The PNG is an attachment of the article and carries its provenance.
    let library = Library::open(&paths.library_db()).expect("library");
    let attachments = library.attachments(article_id).expect("attachments");
    let image = attachments.iter().find(|a| a.path.ends_with(".png")).expect("an image attachment");
    assert_eq!(image.metadata["model_id"].as_str(), Some(manifest.id.as_str()));
    let png = std::fs::read(&image.path).expect("the PNG");
    assert!(png.windows(12).any(|w| w == b"AI-generated"), "the file itself says AI-generated");
}

#[test]
#[ignore = "needs the built app, tauri-driver, a display and pulseaudio: run `cargo xtask test`"]
fn read_aloud_highlights_the_sentence_being_heard() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    let id = {
        let mut library = Library::open(&home.join("library.sqlite3")).expect("library");
        library
            .create(&article(
                "Flood barrier",
                "The council approved the flood barrier on Tuesday. It will cost twenty million pounds, \
                 paid in equal parts by the council, the national government and the water company over \
                 the next ten years, with the first payment due in April. \
                 Work starts in the spring and should end before the winter storms.",
            ))
            .expect("article")
            .id
    };
    let (d, audio) = open_with_sound(dir.path(), &home, id);
    d.click(&d.wait_for("[data-testid=read-aloud-toggle]"));
    // The voice that will speak is the one shown (eSpeak lists en-us as en-US).
    let voice = d.wait_for("select[aria-label='English voice']");
    d.wait_until("the English voice shown", || (d.property(&voice, "value").as_str() == Some("en-US")).then_some(()));
    d.click(&d.wait_for("[data-testid=read-aloud-play]"));

    // The headline is read first, then the body sentence by sentence, each highlighted while heard.
    let heard = |expected: &str| {
        d.wait_longer(&format!("\"{expected}\" highlighted"), Duration::from_secs(60), || {
            let mark = d.find_all("[data-testid=read-aloud-current]").into_iter().next()?;
            d.text(&mark).contains(expected).then_some(())
        })
    };
    heard("council approved");
    // Stop is pressed while that long sentence plays (about ten seconds of speech): a margin that a slow
    // WebDriver round trip on a loaded machine cannot use up, so the last sentence is never reached.
    heard("twenty million");
    d.screenshot(&artifact("read-aloud.png"));
    d.click(&d.wait_for("[data-testid=read-aloud-stop]"));
    // Stopped: Play is offered again, and the highlight never reaches the last sentence.
    d.wait_for("[data-testid=read-aloud-play]");
    let mark = d.find_all("[data-testid=read-aloud-current]").into_iter().next();
    let last = mark.map(|m| d.text(&m)).unwrap_or_default();
    assert!(!last.contains("winter storms"), "playback went on after Stop: {last}");
    drop(d);
    drop(audio);
}

/// A take recorded in the app from the default input (a PulseAudio null sink's monitor, with eSpeak NG
/// reading into the sink): its words show as live text while it is still being recorded, and after Stop the
/// full pass replaces them with the stored transcript.
#[test]
#[ignore = "needs the built app, tauri-driver, a display, pulseaudio and the test models: run `cargo xtask test`"]
fn a_recording_shows_live_text_and_becomes_a_transcript() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = home_with_models(dir.path());
    let audio = byline_speech::testing::NullAudio::start(dir.path());
    let server = PathBuf::from(audio.pulse_server());
    let d = start_with_sound(&home, &server);
    d.click(&d.wait_for("[data-testid=transcripts-button]"));
    d.click(&d.wait_for("[data-testid=record-toggle]"));
    // The level meter shows once the device delivers sound.
    d.wait_longer("the recording to start", Duration::from_secs(60), || {
        d.find_all("[data-testid=record-level]").into_iter().next()
    });
    let mut speaker = std::process::Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "140"])
        .arg(
            "The council met on Tuesday evening. The mayor promised a new hospital for the city. \
             Residents asked who would pay for the building. The vote was delayed until the spring.",
        )
        .env("PULSE_SERVER", &server)
        .spawn()
        .expect("espeak-ng");
    let live = d.wait_longer("live text while recording", Duration::from_secs(60), || {
        let text: Vec<String> = d.find_all("[data-testid=transcript-segment]").iter().map(|s| d.text(s)).collect();
        Some(text.join(" ").to_lowercase()).filter(|t| t.contains("council") || t.contains("mayor"))
    });
    assert!(speaker.try_wait().expect("espeak-ng").is_none(), "live text ({live}) came only after the speech");
    let toggle = d.wait_for("[data-testid=record-toggle]");
    assert_eq!(d.text(&toggle).trim(), "Stop recording", "still recording while the live text shows");
    assert!(speaker.wait().expect("espeak-ng").success());
    std::thread::sleep(Duration::from_secs(2));
    d.click(&toggle);
    // The full pass replaces the live text with the stored transcript (its words can be clicked).
    let words = d.wait_longer("the final transcript", Duration::from_secs(240), || {
        Some(d.find_all("[data-testid=transcript-word]"))
            .filter(|w| w.len() > 20)
            .filter(|_| !d.find_all("[data-testid=transcript-save]").is_empty())
    });
    let text = words.iter().map(|w| d.text(w).to_lowercase()).collect::<Vec<_>>().join(" ");
    for word in ["council", "hospital", "spring"] {
        assert!(text.contains(word), "\"{word}\" missing from the transcript: {text}");
    }
    d.screenshot(&artifact("live-recording.png"));
    drop(d);
    drop(audio);
}

/// A draft quoting jfk.wav once faithfully and once with a word changed: as soon as it opens, the editor
/// underlines the two quotes by verdict; clicking the faithful one shows what was said and plays the
/// recording from where it was said. The Quotes panel lists the verdicts, limits the check to the story's
/// linked interviews, and a quote-bank result dragged into the text lands where it is dropped with its
/// provenance footnote, linking its interview to the story.
#[test]
#[ignore = "needs the built app, tauri-driver, a display, pulseaudio and the test models: run `cargo xtask test`"]
fn quotes_are_checked_against_the_recording() {
    use byline_transcribe::store::{self as tstore, Recording};
    let dir = tempfile::tempdir().expect("tempdir");
    let home = home_with_models(dir.path());
    let cache = env_path("BYLINE_TEST_MODELS");
    let jfk = cache.join("jfk.wav");
    let id = {
        let mut library = Library::open(&home.join("library.sqlite3")).expect("library");
        let engine = byline_transcribe::Engine::load(&cache.join("ggml-tiny.en.bin")).expect("whisper");
        let (t, info) = engine
            .transcribe_file(&jfk, &Default::default(), &byline_core::NoProgress, &Default::default(), None)
            .expect("transcribe");
        let rec = Recording {
            path: jfk.to_string_lossy().into_owned(),
            sha256: tstore::sha256_file(&jfk).expect("hash"),
            duration_s: info.decoded_s,
        };
        tstore::save(library.connection(), &rec, "tiny.en", &Default::default(), &t).expect("store the transcript");
        library
            .create(&article(
                "Inaugural",
                "He said: “ask not what your country can do for you”.\n\n\
                 Later he added: “ask what you can do for your city”.",
            ))
            .expect("article")
            .id
    };
    let (d, audio) = open_with_sound(dir.path(), &home, id);
    // Underlined in the editor, with no panel open.
    d.wait_longer("both quotes underlined", Duration::from_secs(60), || {
        Some(d.find_all("[data-testid=quote-mark]")).filter(|m| m.len() == 2)
    });
    assert_eq!(d.find_all("[data-testid=quote-mark][data-verdict=verbatim]").len(), 1, "the faithful quote");
    assert_eq!(d.find_all("[data-testid=quote-mark][data-verdict=altered]").len(), 1, "the altered quote");
    let point = |verdict: &str, start: bool| -> (f64, f64) {
        let at = d.execute_async(
            "const [verdict, start, done] = arguments;
             const rects = document.querySelector(`[data-testid=quote-mark][data-verdict=${verdict}]`).getClientRects();
             const r = start ? rects[0] : rects[rects.length - 1];
             done([start ? r.left + 1 : r.left + r.width / 2, r.top + r.height / 2]);",
            json!([verdict, start]),
        );
        (at[0].as_f64().expect("x"), at[1].as_f64().expect("y"))
    };
    let (x, y) = point("verbatim", false);
    d.click_at(x, y);
    let card = d.wait_for("[data-testid=quote-card][data-verdict=verbatim]");
    let said = d.text(&d.wait_for("[data-testid=quote-card-said]"));
    assert!(said.to_lowercase().contains("ask not what your country"), "{said}");
    assert!(d.text(&card).contains("jfk.wav"), "{}", d.text(&card));
    d.click(&d.wait_for("[data-testid=quote-card-play]"));
    let audio_el = d.wait_for("[data-testid=quotes-audio]");
    let at = d.wait_longer("playback of the quote", Duration::from_secs(30), || {
        let paused = d.property(&audio_el, "paused").as_bool().unwrap_or(true);
        let t = d.property(&audio_el, "currentTime").as_f64().unwrap_or(0.0);
        (!paused && t > 0.0).then_some(t)
    });
    // "ask not" is said about three seconds in; playback starts there, not at the beginning.
    assert!((2.0..9.0).contains(&at), "playing at {at} s");

    d.click(&d.wait_for("[data-testid=side-quotes]"));
    d.wait_longer("both quotes checked", Duration::from_secs(60), || {
        Some(d.find_all("[data-testid=quote-check]")).filter(|c| c.len() == 2)
    });
    assert_eq!(d.find_all("[data-testid=quote-check][data-verdict=verbatim]").len(), 1, "the faithful quote");
    assert_eq!(d.find_all("[data-testid=quote-check][data-verdict=altered]").len(), 1, "the altered quote");
    let place = d.text(&d.wait_for("[data-testid=quote-check] [data-testid=quote-place]"));
    assert!(place.contains("jfk.wav"), "{place}");
    d.click(&d.find_all("[data-testid=quote-check] button.quote")[0]);
    d.wait_longer("playback from the panel", Duration::from_secs(30), || {
        let paused = d.property(&audio_el, "paused").as_bool().unwrap_or(true);
        let t = d.property(&audio_el, "currentTime").as_f64().unwrap_or(0.0);
        (!paused && (2.0..9.0).contains(&t)).then_some(())
    });
    // Only this story's interviews: none linked yet, so nothing is found; linked, the verdicts come back.
    d.click(&d.wait_for("[data-testid=quotes-scope-sources]"));
    d.wait_until("no interviews to check against", || {
        Some(d.find_all("[data-testid=quote-check][data-verdict=not_found]")).filter(|c| c.len() == 2)
    });
    d.click(&d.wait_for("[data-testid=quotes-scope-all]"));
    d.click(&d.wait_for("[data-testid=quote-link-source]"));
    d.wait_until("the interview linked", || Some(d.find_all("[data-testid=quotes-source]")).filter(|s| s.len() == 1));
    d.click(&d.wait_for("[data-testid=quotes-scope-sources]"));
    d.wait_until("verdicts against the linked interview", || {
        Some(d.find_all("[data-testid=quote-check][data-verdict=verbatim]")).filter(|c| c.len() == 1)
    });
    let unlink = d.wait_for("[data-testid=quotes-source] button");
    d.click(&unlink);
    d.wait_until("the interview unlinked", || Some(d.find_all("[data-testid=quotes-source]")).filter(Vec::is_empty));
    d.click(&d.wait_for("[data-testid=quotes-scope-all]"));
    d.wait_until("the whole library again", || {
        Some(d.find_all("[data-testid=quote-mark][data-verdict=altered]")).filter(|m| m.len() == 1)
    });

    // The quote bank finds a phrase; dragged into the text it lands where it is dropped (here at the start of
    // the second quote), its footnote goes to the end, and its interview is linked again.
    d.type_into(&d.wait_for("[data-testid=quotes-search]"), "my fellow Americans");
    d.click(&d.wait_for("[data-testid=quotes-search-go]"));
    let hit = d.wait_for("[data-testid=quotes-search-hit]");
    assert!(d.text(&hit).contains("jfk.wav"), "{}", d.text(&hit));
    let (x, y) = point("altered", true);
    d.execute_async(
        "const [x, y, done] = arguments;
         const hit = document.querySelector('[data-testid=quotes-search-hit]');
         const body = document.querySelector('[data-testid=editor-body]');
         const data = new DataTransfer();
         hit.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: data }));
         const at = { bubbles: true, cancelable: true, clientX: x, clientY: y, dataTransfer: data };
         body.dispatchEvent(new DragEvent('dragover', at));
         body.dispatchEvent(new DragEvent('drop', at));
         done(null);",
        json!([x, y]),
    );
    let body = d.wait_until("the quote in the draft", || {
        d.current_value("[data-testid=editor-body]").filter(|b| b.contains("SHA-256"))
    });
    assert!(body.contains("fellow Americans") && body.contains("jfk.wav"), "{body}");
    assert!(body.contains("] ask what you can do for your city"), "dropped at the point: {body}");
    let last = body.trim_end().lines().last().unwrap_or_default();
    assert!(last.starts_with("[^q") && last.contains("SHA-256") && last.ends_with(")."), "the footnote last: {body}");
    d.wait_until("the dropped quote's interview linked", || {
        Some(d.find_all("[data-testid=quotes-source]")).filter(|s| s.len() == 1)
    });
    // Insert with source still puts the words and their provenance after the cursor.
    let insert = d.wait_for("[data-testid=quotes-search-insert]");
    d.execute_async(
        "document.querySelector('[data-testid=quotes-search-insert]').scrollIntoView({ block: 'center' }); \
         arguments[0](null);",
        json!([]),
    );
    d.click(&insert);
    d.wait_until("the inserted quote", || {
        d.current_value("[data-testid=editor-body]").filter(|b| b.matches("SHA-256").count() == 2)
    });
    assert_accessible(&d, "quotes checked, underlined and found");
    d.screenshot(&artifact("quotes.png"));
    drop(d);
    drop(audio);
}
