//! End-to-end tests on a tiny random-weight pipeline in the diffusers layout: the real config
//! reading, weight loading, tokenizer, text encoder, UNet, schedulers, VAE and PNG writing.
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use byline_core::{CancelToken, Error, NoProgress, Progress, Reporter};
use byline_library::{ArticleFields, Library};
use candle_core::Device;
use serde_json::json;

use crate::testing::{set_scheduler, write_tiny_pipeline};
use crate::*;

fn tiny() -> (tempfile::TempDir, Pipeline) {
    let dir = tempfile::tempdir().expect("test step");
    write_tiny_pipeline(dir.path()).expect("test step");
    let p = Pipeline::load(dir.path(), "tiny-sd", &Device::Cpu).expect("test step");
    (dir, p)
}

fn request(seed: u64) -> GenerateRequest {
    GenerateRequest {
        prompt: "A cat in the harbour at night".into(),
        negative_prompt: "blurry".into(),
        steps: Some(3),
        guidance: Some(7.5),
        seed,
        width: 64,
        height: 48,
        ..Default::default()
    }
}

#[derive(Default)]
struct Recorder {
    steps: Mutex<Vec<Progress>>,
    cancel_after: Option<(u64, CancelToken)>,
}

impl Reporter for Recorder {
    fn on_progress(&self, p: &Progress) {
        if p.message.starts_with("step") {
            self.steps.lock().expect("test step").push(p.clone());
        }
        if let Some((n, token)) = &self.cancel_after
            && p.done >= *n
        {
            token.cancel();
        }
    }
}

#[test]
fn tokenizer_lowercases_merges_and_pads() {
    let dir = tempfile::tempdir().expect("test step");
    write_tiny_pipeline(dir.path()).expect("test step");
    let tok = crate::tokenizer::ClipTokenizer::load(&dir.path().join("tokenizer")).expect("test step");
    let ids = tok.encode("A  CAT", 8).expect("test step");
    let vocab: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("tokenizer/vocab.json")).expect("test step"))
            .expect("test step");
    let id = |t: &str| vocab[t].as_u64().expect("test step") as u32;
    let (bos, eos) = (id("<|startoftext|>"), id("<|endoftext|>"));
    assert_eq!(ids, vec![bos, id("a</w>"), id("cat</w>"), eos, eos, eos, eos, eos]);
    // Truncation keeps the end token.
    let long = tok.encode(&"cat ".repeat(20), 6).expect("test step");
    assert_eq!(long, vec![bos, id("cat</w>"), id("cat</w>"), id("cat</w>"), id("cat</w>"), eos]);
}

#[test]
fn generates_requested_size_reproducibly_with_metadata_and_attachment() {
    let (dir, p) = tiny();
    assert_eq!(p.family(), Family::Sd15);
    let a = p.generate(&request(1), &NoProgress, None, &CancelToken::new()).expect("test step");
    let b = p.generate(&request(1), &NoProgress, None, &CancelToken::new()).expect("test step");
    let c = p.generate(&request(2), &NoProgress, None, &CancelToken::new()).expect("test step");
    assert_eq!((a.image.width(), a.image.height()), (64, 48));
    assert_eq!(a.image.as_raw(), b.image.as_raw(), "same seed, same pixels");
    assert_ne!(a.image.as_raw(), c.image.as_raw(), "different seed, different pixels");

    let mut lib = Library::open_in_memory().expect("test step");
    let article = lib
        .create(&ArticleFields { title: "Harbour".into(), body: "Text".into(), ..Default::default() })
        .expect("test step");
    let out = dir.path().join("out/cat.png");
    let (sha, att) = save(&a, &out, Some((&mut lib, article.id))).expect("test step");

    let decoded = image::open(&out).expect("test step").to_rgb8();
    assert_eq!(decoded.as_raw(), a.image.as_raw());
    let chunks: std::collections::HashMap<String, String> =
        read_png_text(&out).expect("test step").into_iter().collect();
    assert!(chunks["AI-generated"].starts_with("yes"), "{:?}", chunks["AI-generated"]);
    assert_eq!(chunks["Prompt"], "A cat in the harbour at night");
    assert_eq!(chunks["Negative prompt"], "blurry");
    assert_eq!(chunks["Model"], "tiny-sd");
    let unet = std::fs::read(dir.path().join("unet/diffusion_pytorch_model.safetensors")).expect("test step");
    use sha2::Digest;
    assert_eq!(chunks["Model hash"], format!("sha256:{}", hex::encode(sha2::Sha256::digest(&unet))));
    assert_eq!(chunks["Seed"], "1");
    assert_eq!(chunks["Steps"], "3");
    assert_eq!(chunks["Guidance"], "7.5");
    assert_eq!(chunks["Size"], "64x48");
    assert_eq!(chunks["Scheduler"], "DDIMScheduler");
    let date = chrono::DateTime::parse_from_rfc3339(&chunks["Creation Time"]).expect("test step");
    assert!((chrono::Utc::now() - date.with_timezone(&chrono::Utc)).num_seconds().abs() < 600);
    assert_eq!(read_metadata(&out).expect("test step").expect("test step"), a.metadata);

    let att = att.expect("test step");
    assert_eq!(att.sha256, sha);
    assert_eq!(att.mime.as_deref(), Some("image/png"));
    assert_eq!(att.metadata["prompt"], "A cat in the harbour at night");
    assert_eq!(att.metadata["seed"], 1);
    assert_eq!(lib.attachments(article.id).expect("test step").len(), 1);
    let md = markdown_for(&att.path, &a.metadata);
    assert!(md.contains("AI-generated illustration"), "{md}");
}

#[test]
fn non_latin_prompt_goes_into_an_itxt_chunk() {
    let (dir, p) = tiny();
    let mut req = request(3);
    req.prompt = "Ο λιμάνι τη νύχτα 夜の港".into();
    req.steps = Some(1);
    let g = p.generate(&req, &NoProgress, None, &CancelToken::new()).expect("test step");
    let out = dir.path().join("greek.png");
    write_png(&out, &g.image, &g.metadata).expect("test step");
    let chunks: std::collections::HashMap<String, String> =
        read_png_text(&out).expect("test step").into_iter().collect();
    assert_eq!(chunks["Prompt"], req.prompt);
}

#[test]
fn progress_every_step_with_previews_and_cancel_between_steps() {
    let (_dir, p) = tiny();
    let rec = Recorder::default();
    let previews = AtomicUsize::new(0);
    let on_preview = |pv: &Preview| {
        assert_eq!((pv.width, pv.height), (8, 6));
        assert!(!pv.to_png().expect("test step").is_empty());
        previews.fetch_add(1, Ordering::SeqCst);
    };
    let mut req = request(5);
    req.steps = Some(4);
    p.generate(&req, &rec, Some(&on_preview), &CancelToken::new()).expect("test step");
    let steps: Vec<u64> = rec.steps.lock().expect("test step").iter().map(|p| p.done).collect();
    assert_eq!(steps, vec![1, 2, 3, 4]);
    assert_eq!(previews.load(Ordering::SeqCst), 4);

    let token = CancelToken::new();
    let rec = Recorder { cancel_after: Some((2, token.clone())), ..Default::default() };
    let err = p.generate(&req, &rec, None, &token).err().expect("test step");
    assert!(matches!(err, Error::Cancelled), "{err}");
    assert_eq!(rec.steps.lock().expect("test step").len(), 2, "stopped right after the step that cancelled");
}

#[test]
fn image_to_image_runs_the_strength_share_of_steps_reproducibly() {
    let (dir, p) = tiny();
    let start = p.generate(&request(9), &NoProgress, None, &CancelToken::new()).expect("test step");
    let init_path = dir.path().join("init.png");
    start.image.save(&init_path).expect("test step");
    let mut req = request(10);
    req.steps = Some(4);
    req.width = 48;
    req.height = 48;
    req.init_image = Some(load_init_image(&init_path).expect("test step"));
    req.init_name = Some("init.png".into());
    req.strength = 0.5;
    let rec = Recorder::default();
    let a = p.generate(&req, &rec, None, &CancelToken::new()).expect("test step");
    let b = p.generate(&req, &NoProgress, None, &CancelToken::new()).expect("test step");
    assert_eq!(rec.steps.lock().expect("test step").len(), 2);
    assert_eq!((a.image.width(), a.image.height()), (48, 48));
    assert_eq!(a.image.as_raw(), b.image.as_raw());
    assert_eq!(a.metadata.strength, Some(0.5));
    req.strength = 0.1;
    let err = p.generate(&req, &NoProgress, None, &CancelToken::new()).err().expect("test step");
    assert!(err.to_string().contains("runs no step"), "{err}");
}

#[test]
fn euler_ancestral_turbo_config_is_detected_and_reproducible() {
    let dir = tempfile::tempdir().expect("test step");
    write_tiny_pipeline(dir.path()).expect("test step");
    set_scheduler(
        dir.path(),
        json!({"_class_name": "EulerAncestralDiscreteScheduler", "timestep_spacing": "trailing",
               "beta_schedule": "scaled_linear", "prediction_type": "epsilon"}),
    )
    .expect("test step");
    let p = Pipeline::load(dir.path(), "tiny-turbo", &Device::Cpu).expect("test step");
    assert_eq!(p.family(), Family::SdTurbo);
    let mut req = request(4);
    req.steps = Some(2);
    req.guidance = None;
    let a = p.generate(&req, &NoProgress, None, &CancelToken::new()).expect("test step");
    let b = p.generate(&req, &NoProgress, None, &CancelToken::new()).expect("test step");
    assert_eq!(a.image.as_raw(), b.image.as_raw(), "ancestral noise comes from the seed");
    assert_eq!(a.metadata.guidance, 0.0, "turbo default: no guidance");
}

#[test]
fn bad_input_gives_clear_errors() {
    let dir = tempfile::tempdir().expect("test step");
    write_tiny_pipeline(dir.path()).expect("test step");
    let p = Pipeline::load(dir.path(), "tiny", &Device::Cpu).expect("test step");

    let mut req = request(1);
    req.width = 60;
    let err = p.generate(&req, &NoProgress, None, &CancelToken::new()).err().expect("test step");
    assert!(err.to_string().contains("multiple of 8"), "{err}");
    let mut req = request(1);
    req.steps = Some(0);
    let err = p.generate(&req, &NoProgress, None, &CancelToken::new()).err().expect("test step");
    assert!(err.to_string().contains("at least 1"), "{err}");
    assert_eq!(parse_size("1200x632").expect("test step"), (1200, 632));
    assert!(parse_size("1200x630").expect_err("expected an error").to_string().contains("multiple of 8"));
    assert!(parse_size("big").is_err());

    // Unknown scheduler: refused when the configs are read, before any weight is loaded.
    set_scheduler(dir.path(), json!({"_class_name": "KarrasVeScheduler"})).expect("test step");
    let err = Pipeline::load(dir.path(), "tiny", &Device::Cpu).err().expect("test step");
    assert!(err.to_string().contains("unsupported scheduler \"KarrasVeScheduler\""), "{err}");
    set_scheduler(dir.path(), json!({"_class_name": "DDIMScheduler"})).expect("test step");

    // Mismatched tensor shapes: the config says wider blocks than the weights hold.
    let unet_cfg = dir.path().join("unet/config.json");
    let good = std::fs::read_to_string(&unet_cfg).expect("test step");
    std::fs::write(
        &unet_cfg,
        good.replace("\"block_out_channels\": [\n    32,\n    64\n  ]", "\"block_out_channels\": [64, 64]"),
    )
    .expect("test step");
    let err = Pipeline::load(dir.path(), "tiny", &Device::Cpu).err().expect("test step");
    assert!(matches!(err, Error::Format { .. }), "{err}");
    assert!(err.to_string().contains("UNet") && err.to_string().contains("shape"), "{err}");
    std::fs::write(&unet_cfg, good).expect("test step");

    // Missing UNet weights.
    std::fs::remove_file(dir.path().join("unet/diffusion_pytorch_model.safetensors")).expect("test step");
    let err = Pipeline::load(dir.path(), "tiny", &Device::Cpu).err().expect("test step");
    assert!(err.to_string().contains("unet") && err.to_string().contains("no .safetensors"), "{err}");

    // Not a pipeline at all.
    let err = Pipeline::load(&dir.path().join("nope"), "tiny", &Device::Cpu).err().expect("test step");
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}

/// Seconds per denoising step on the tiny pipeline (the README benchmark). Ignored: it times,
/// it does not check. Run with `cargo test -p byline-images --release bench_ -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_tiny_pipeline_seconds_per_step() {
    let (_dir, p) = tiny();
    let mut req = request(1);
    req.width = 256;
    req.height = 256;
    let time = |steps: usize| {
        let mut r = req.clone();
        r.steps = Some(steps);
        let t = std::time::Instant::now();
        p.generate(&r, &NoProgress, None, &CancelToken::new()).expect("test step");
        t.elapsed().as_secs_f64()
    };
    time(1); // warm-up
    let (one, many) = (time(1), time(21));
    println!("tiny pipeline 256x256, CFG on: {:.4} s/step, fixed cost {:.4} s", (many - one) / 20.0, one);
}
