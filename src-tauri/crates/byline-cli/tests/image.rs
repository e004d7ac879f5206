//! `byline image` end to end on a tiny random-weight diffusers pipeline written by the test.
use std::path::Path;
use std::process::Command;

fn byline(home: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_byline")).arg("--home").arg(home).args(args).output().expect("run");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn image_command_writes_labelled_png_and_attaches_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let model = dir.path().join("tiny-sd");
    byline_images::testing::write_tiny_pipeline(&model).expect("tiny pipeline");
    let src = dir.path().join("a.md");
    std::fs::write(&src, "# Harbour at night\n\nBoats.\n").expect("write");
    let (ok, _, err) = byline(&home, &["library", "import", src.to_str().expect("utf-8")]);
    assert!(ok, "{err}");

    let out = dir.path().join("cat.png");
    let args = [
        "image",
        "--prompt",
        "a cat",
        "--negative",
        "blurry",
        "--model-path",
        model.to_str().expect("utf-8"),
        "--steps",
        "2",
        "--seed",
        "3",
        "--size",
        "64x48",
        "--device",
        "cpu",
        "--article",
        "1",
        "--json",
        "--out",
        out.to_str().expect("utf-8"),
    ];
    let (ok, stdout, err) = byline(&home, &args);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(v["metadata"]["seed"], 3);
    assert_eq!(v["metadata"]["model_id"], "tiny-sd");
    assert!(v["attachment_id"].is_i64(), "{v}");
    let img = byline_images::read_metadata(&out).expect("png").expect("metadata");
    assert_eq!((img.width, img.height, img.steps), (64, 48, 2));
    assert!(img.ai_generated);

    let (ok, _, err) = byline(&home, &["image", "--prompt", "x", "--size", "60x60", "--out", "x.png"]);
    assert!(!ok);
    assert!(err.contains("multiple of 8"), "{err}");
}
