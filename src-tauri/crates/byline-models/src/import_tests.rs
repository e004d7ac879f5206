use super::*;
use crate::formats::tests::{tiny_ggml, tiny_gguf, tiny_safetensors};

fn empty_catalog() -> Catalog {
    Catalog { models: vec![] }
}

fn nothing_installed(models: &Path) {
    let leftovers: Vec<_> =
        std::fs::read_dir(models).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn imports_a_gguf_by_hard_link_and_keeps_the_original() {
    let dir = tempfile::tempdir().expect("tempdir");
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).expect("mkdir");
    let src = dir.path().join("My Model.Q4.gguf");
    std::fs::write(&src, tiny_gguf()).expect("write");
    let manifest = import_path(&models, &empty_catalog(), &src, &CancelToken::new()).expect("import");
    assert_eq!(manifest.id, "my-model.q4");
    assert_eq!(manifest.format, Some(Format::Gguf));
    assert_eq!(manifest.task, Some(Task::Llm), "a GGUF is offered to drafting");
    assert_eq!(manifest.imported_from.as_deref(), Some(src.as_path()));
    assert!(src.exists(), "the user's file stays");
    let stored = models.join("my-model.q4/My Model.Q4.gguf");
    assert_eq!(std::fs::read(&stored).expect("stored"), tiny_gguf());
    assert!(InstallManifest::read(&models.join("my-model.q4")).expect("read").is_some());
    // A second import of the same id is refused rather than silently replacing the model.
    let err = import_path(&models, &empty_catalog(), &src, &CancelToken::new()).expect_err("should fail");
    assert!(err.to_string().contains("already installed"), "{err}");
}

#[test]
fn bad_files_are_refused_and_nothing_is_half_installed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).expect("mkdir");
    let gguf = tiny_gguf();
    let ggml = tiny_ggml();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("truncated.gguf", gguf[..gguf.len() - 9].to_vec(), "ends at byte"),
        ("wrong.gguf", b"GGUX\x03\x00\x00\x00rest".to_vec(), "not a GGUF"),
        ("half.bin", ggml[..ggml.len() / 2].to_vec(), "ends at byte"),
        ("liar.safetensors", tiny_safetensors(true), "tensor b ends at byte"),
    ];
    for (name, bytes, expect) in cases {
        let src = dir.path().join(name);
        std::fs::write(&src, bytes).expect("write");
        let err = import_path(&models, &empty_catalog(), &src, &CancelToken::new()).expect_err("should fail");
        assert_eq!(err.code(), "format", "{name}: {err}");
        assert!(err.to_string().contains(expect), "{name}: {err}");
        nothing_installed(&models);
    }
    let err = import_path(&models, &empty_catalog(), &dir.path().join("absent.gguf"), &CancelToken::new())
        .expect_err("should fail");
    assert_eq!(err.code(), "not_found");
    assert!(err.to_string().contains("absent.gguf"), "{err}");
}

#[test]
fn imports_a_folder_and_detects_its_layout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let models = dir.path().join("models");
    let src = dir.path().join("MiniLM");
    std::fs::create_dir_all(src.join("1_Pooling")).expect("mkdir");
    std::fs::create_dir_all(&models).expect("mkdir");
    std::fs::write(src.join("model.safetensors"), tiny_safetensors(false)).expect("write");
    std::fs::write(src.join("config.json"), br#"{"architectures": ["BertModel"], "model_type": "bert"}"#)
        .expect("write");
    std::fs::write(src.join("1_Pooling/config.json"), b"{}").expect("write");
    let manifest = import_path(&models, &empty_catalog(), &src, &CancelToken::new()).expect("import");
    assert_eq!(manifest.id, "minilm");
    assert_eq!(manifest.format, Some(Format::Safetensors));
    assert_eq!(manifest.task, Some(Task::Embed), "a BERT folder is an embedder");
    let paths: Vec<_> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["1_Pooling/config.json", "config.json", "model.safetensors"]);
    assert!(models.join("minilm/1_Pooling/config.json").is_file());

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    std::fs::write(empty.join("notes.txt"), b"hi").expect("write");
    let err = import_path(&models, &empty_catalog(), &empty, &CancelToken::new()).expect_err("should fail");
    assert!(err.to_string().contains("no model files found"), "{err}");
}

#[cfg(unix)]
#[test]
fn registers_a_hugging_face_snapshot_without_copying() {
    let dir = tempfile::tempdir().expect("tempdir");
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).expect("mkdir");
    let repo = dir.path().join("hub/models--acme--tiny-bert");
    let snapshot = repo.join("snapshots/0123abc");
    std::fs::create_dir_all(&snapshot).expect("mkdir");
    std::fs::create_dir_all(repo.join("blobs")).expect("mkdir");
    std::fs::create_dir_all(repo.join("refs")).expect("mkdir");
    std::fs::write(repo.join("refs/main"), "0123abc").expect("write");
    std::fs::write(repo.join("blobs/aaa"), tiny_safetensors(false)).expect("write");
    std::os::unix::fs::symlink(repo.join("blobs/aaa"), snapshot.join("model.safetensors")).expect("symlink");
    std::fs::write(snapshot.join("config.json"), b"{}").expect("write");

    let found = scan_hf_cache(&dir.path().join("hub"));
    assert_eq!(found, vec![HfCached { repo: "acme/tiny-bert".into(), snapshot: snapshot.clone() }]);

    let manifest = import_path(&models, &empty_catalog(), &snapshot.join("model.safetensors"), &CancelToken::new())
        .expect("register");
    assert_eq!(manifest.id, "hf-acme-tiny-bert");
    assert_eq!(manifest.task, None, "an empty config says nothing about the task");
    assert_eq!(manifest.location.as_deref(), Some(snapshot.as_path()));
    let stored: Vec<_> = std::fs::read_dir(models.join("hf-acme-tiny-bert")).expect("dir").flatten().collect();
    assert_eq!(stored.len(), 1, "only the manifest lives in the store");
}

/// A link to a private folder must not pull its files into the store, and `x -> .` must not loop.
#[cfg(unix)]
#[test]
fn folder_imports_follow_no_link_out_of_the_folder_or_into_a_loop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).expect("mkdir");
    let folder = dir.path().join("tiny-model");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(folder.join("model.safetensors"), tiny_safetensors(false)).expect("write");
    std::fs::write(folder.join("config.json"), b"{}").expect("write");
    std::os::unix::fs::symlink(".", folder.join("x")).expect("loop link");
    std::os::unix::fs::symlink(folder.join("config.json"), folder.join("config-link.json")).expect("inner link");
    let manifest = import_path(&models, &empty_catalog(), &folder, &CancelToken::new()).expect("import");
    let mut names: Vec<String> = manifest.files.iter().map(|f| f.path.clone()).collect();
    names.sort();
    assert_eq!(names, ["config-link.json", "config.json", "model.safetensors"]);

    let private = dir.path().join("private");
    std::fs::create_dir_all(&private).expect("mkdir");
    std::fs::write(private.join("diary.txt"), "not for the store").expect("write");
    let second = dir.path().join("other-model");
    std::fs::create_dir_all(&second).expect("mkdir");
    std::fs::write(second.join("model.safetensors"), tiny_safetensors(false)).expect("write");
    std::os::unix::fs::symlink(private.join("diary.txt"), second.join("notes.txt")).expect("outer link");
    let err = import_path(&models, &empty_catalog(), &second, &CancelToken::new()).expect_err("must refuse");
    assert!(err.to_string().contains("links outside the model folder"), "{err}");
    assert!(!models.join("other-model").exists());
}

#[test]
fn infers_the_task_of_what_is_imported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = |json: &str| {
        std::fs::write(dir.path().join("config.json"), json).expect("write");
        infer_task(Format::Safetensors, dir.path(), &["config.json".into(), "model.safetensors".into()])
    };
    assert_eq!(config(r#"{"architectures": ["DistilBertForSequenceClassification"]}"#), Some(Task::Sentiment));
    assert_eq!(config(r#"{"architectures": ["ParlerTTSForConditionalGeneration"]}"#), Some(Task::Tts));
    assert_eq!(config(r#"{"model_type": "xlm-roberta"}"#), Some(Task::Embed));
    assert_eq!(config("not json"), None);
    assert_eq!(infer_task(Format::Safetensors, dir.path(), &["model.safetensors".into()]), None);
    assert_eq!(infer_task(Format::Diffusers, dir.path(), &[]), Some(Task::Image));
    assert_eq!(infer_task(Format::Ggml, dir.path(), &[]), Some(Task::Whisper));
    assert_eq!(infer_task(Format::Ctranslate2, dir.path(), &[]), Some(Task::Whisper));
    // Silero VAD's ggml file (whisper.cpp's layout for it): ggml magic, then the model type.
    let mut silero = 0x6767_6d6c_u32.to_le_bytes().to_vec();
    silero.extend(10u32.to_le_bytes());
    silero.extend(b"silero-16k");
    silero.extend([0u8; 64]);
    std::fs::write(dir.path().join("vad.bin"), &silero).expect("write");
    assert_eq!(crate::formats::check_file(&dir.path().join("vad.bin")).expect("a ggml file"), Format::Ggml);
    assert_eq!(infer_task(Format::Ggml, dir.path(), &["vad.bin".into()]), Some(Task::Vad));
    silero[8..14].copy_from_slice(b"whispr");
    std::fs::write(dir.path().join("vad.bin"), &silero).expect("write");
    assert!(!crate::formats::is_silero_ggml(&dir.path().join("vad.bin")));
}

/// A file name over 100 characters gave an id that installed but could not be removed.
#[test]
fn long_file_names_give_ids_every_command_accepts() {
    let long = format!("{}.Q4_K_M", "a-very-long-model-name-".repeat(8));
    let id = sanitize_id(&long);
    assert!(id.len() <= 100 && crate::catalog::is_safe_id(&id), "{id}");
    let dir = tempfile::tempdir().expect("tempdir");
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).expect("mkdir");
    let src = dir.path().join(format!("{long}.gguf"));
    std::fs::write(&src, tiny_gguf()).expect("write");
    let manifest = import_path(&models, &empty_catalog(), &src, &CancelToken::new()).expect("import");
    assert!(crate::catalog::is_safe_id(&manifest.id), "{}", manifest.id);
}
