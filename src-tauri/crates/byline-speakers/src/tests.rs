use super::*;

fn window(start_s: f64, end_s: f64) -> Window {
    let at = |s: f64| (s * f64::from(RATE)) as u64;
    Window { start: at(start_s), end: at(end_s), rms: 0.1, embedding: vec![] }
}

#[test]
fn overlapping_windows_split_at_their_centres_and_join_per_speaker() {
    let ws = [window(0.0, 1.5), window(0.75, 2.25), window(1.5, 3.0), window(5.0, 6.0)];
    let refs: Vec<&Window> = ws.iter().collect();
    let t = turns(&refs, &[0, 0, 1, 1]);
    assert_eq!(
        t,
        vec![
            Turn { start: 0.0, end: 1.875, speaker: 0 },
            Turn { start: 1.875, end: 3.0, speaker: 1 },
            Turn { start: 5.0, end: 6.0, speaker: 1 },
        ]
    );
}

#[test]
fn a_word_belongs_to_the_turn_it_overlaps_most_or_the_nearest() {
    let t = [Turn { start: 0.0, end: 2.0, speaker: 0 }, Turn { start: 2.0, end: 4.0, speaker: 1 }];
    assert_eq!(speaker_at(&t, 1.5, 2.2), Some(0));
    assert_eq!(speaker_at(&t, 1.9, 2.5), Some(1));
    assert_eq!(speaker_at(&t, 4.5, 4.8), Some(1));
    assert_eq!(speaker_at(&[], 0.0, 1.0), None);
}

/// Two synthetic "voices" (harmonic tones at different pitches and brightness) alternating with pauses:
/// the model-free fallback separates them and the turns land on the changes.
#[test]
fn spectral_fallback_separates_two_distinct_sources() {
    let voice = |f0: f32, bright: f32, seconds: f32, seed: u32| -> Vec<f32> {
        let n = (seconds * RATE as f32) as usize;
        let mut state = seed;
        (0..n)
            .map(|i| {
                let t = i as f32 / RATE as f32;
                let tone: f32 =
                    (1..12).map(|h| (2.0 * std::f32::consts::PI * f0 * h as f32 * t).sin() * bright.powi(h)).sum();
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let noise = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
                0.1 * tone + 0.01 * noise
            })
            .collect()
    };
    let mut d = Diarizer::new(Encoder::Spectral);
    let mut at = 0u64;
    let mut truth = Vec::new();
    for (k, secs) in [6.0, 5.0, 7.0, 4.0].into_iter().enumerate() {
        let v = if k % 2 == 0 { voice(110.0, 0.5, secs, 7 + k as u32) } else { voice(240.0, 0.85, secs, 7 + k as u32) };
        truth.push((at as f64 / 16_000.0, (at + v.len() as u64) as f64 / 16_000.0, k % 2));
        d.push(at, &v).expect("push");
        at += v.len() as u64 + 16_000; // a second of pause, never pushed
    }
    let got = d.finish(Count::Auto).expect("finish");
    let speakers: std::collections::BTreeSet<usize> = got.iter().map(|t| t.speaker).collect();
    assert_eq!(speakers.len(), 2, "{got:?}");
    for (start, end, who) in truth {
        let mid = (start + end) / 2.0;
        let found = speaker_at(&got, mid - 0.5, mid + 0.5).expect("a speaker");
        assert_eq!(found, who, "{got:?}");
    }
}

#[test]
fn known_voices_are_matched_most_similar_first_and_once() {
    let v = |speaker: usize, e: &[f32]| {
        let mut e = e.to_vec();
        normalise(&mut e);
        Voice { speaker, embedding: e, seconds: 5.0 }
    };
    let voices = [v(0, &[1.0, 0.0, 0.0]), v(1, &[0.9, 0.3, 0.0]), v(2, &[0.0, 0.0, 1.0])];
    let known = vec![vec![1.0, 0.0, 0.0], vec![0.0, 1.0, 0.0]];
    // Voice 1 is close to known voice 0 too, but voice 0 is closer and takes it; nothing is near voice 2.
    assert_eq!(recognise(&voices, &known, 0.5), vec![Some(0), None, None]);
    assert_eq!(recognise(&voices, &known, 0.2), vec![Some(0), Some(1), None]);
    let c = combine(&[(&[1.0, 0.0][..], 3.0), (&[0.0, 1.0][..], 1.0)]);
    assert!((c[0] - 0.9487).abs() < 1e-3 && (c[1] - 0.3162).abs() < 1e-3, "{c:?}");
}

#[test]
fn a_long_recording_clusters_runs_of_windows_within_the_memory_bound() {
    // 7,001 windows: two voices taking turns every 50 windows (about 37 s), beyond the one-by-one limit.
    let n = 2 * MAX_CLUSTERED + 1001;
    let items: Vec<Vec<f32>> = (0..n)
        .map(|i| {
            let mut v = if (i / 50) % 2 == 0 { vec![1.0, 0.1, 0.0] } else { vec![0.0, 0.1, 1.0] };
            v[1] += (i % 7) as f32 * 0.01;
            normalise(&mut v);
            v
        })
        .collect();
    let seconds = vec![1.5f32; n];
    let labels = agglomerate_bounded(&items, &seconds, Stop::Threshold(0.5));
    assert_eq!(labels.len(), n);
    // Runs of 3 windows are clustered together; only runs straddling a change of voice can be wrong.
    let wrong = labels.iter().enumerate().filter(|(i, l)| **l != (i / 50) % 2).count();
    assert!(wrong <= 2 * (n / 50 + 1), "{wrong} windows with the wrong voice");
    assert_eq!(labels.iter().max(), Some(&1));
}
