//! The first run: one model per capability, chosen for this machine (memory, disk, GPU) and the reporter's
//! language, each with the reasons it was chosen, for the app's setup screen and `byline models recommend`.
//! Nothing is downloaded here; the caller pulls the picks the reporter keeps.

use std::path::Path;

use byline_core::Result;
use serde::Serialize;

use crate::catalog::{ModelEntry, Task};
use crate::store::{Store, expected_size};

/// What the machine offers, as far as the platform tells.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct Machine {
    /// Physical memory in MiB.
    pub ram_mb: Option<u64>,
    /// Free space where models are stored, in MiB.
    pub disk_free_mb: Option<u64>,
    /// The GPU inference would use ("cuda:0", "metal"), when there is one.
    pub gpu: Option<String>,
}

impl Machine {
    /// This machine: its memory, the free space of the file system that holds `models_dir`, and `gpu` as the
    /// device selection found it.
    pub fn detect(models_dir: &Path, gpu: Option<String>) -> Self {
        let probe = models_dir.ancestors().find(|p| p.exists()).unwrap_or(models_dir);
        Self {
            ram_mb: crate::store::total_ram_mb(),
            disk_free_mb: fs4::available_space(probe).ok().map(|b| b / (1024 * 1024)),
            gpu,
        }
    }
}

/// What a model is for, as the setup screen groups them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Drafting,
    Transcription,
    SpeechDetection,
    Speakers,
    Related,
    Tone,
    Images,
}

/// Why a model was picked, or why it is not ticked: codes the interface words in the reporter's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A model for this already is installed.
    Installed,
    /// The capable model fits this machine's memory.
    FitsMemory,
    /// Memory is short: the smallest model that fits.
    SmallMemory,
    /// Even the smallest model needs more memory than the machine has.
    TooBig,
    /// A GPU makes the most accurate model quick enough.
    Gpu,
    /// Without a GPU, the model that keeps transcription near real time.
    CpuSpeed,
    /// Understands Chinese as well as English (and finds related articles across the two).
    Chinese,
    /// English only, and the quickest.
    EnglishOnly,
    /// Makes transcription faster and removes text invented in silences.
    SpeedsTranscription,
    /// Tells speakers apart.
    SpeakersApart,
    /// Tone in Chinese needs no model (a built-in classifier); the model scores English.
    BuiltinChinese,
    /// Tone works without it (word lists); the model scores English more accurately.
    BetterEnglishTone,
    /// Image generation without a GPU takes minutes a picture: left for later.
    SlowWithoutGpu,
}

/// One recommendation.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct Pick {
    pub capability: Capability,
    pub id: String,
    pub name: String,
    pub licence: String,
    pub description: String,
    pub description_zh: String,
    /// Download size in MiB (the files' exact sizes where the catalog pins them).
    pub download_mb: u64,
    pub ram_mb: u64,
    pub installed: bool,
    /// Ticked on the setup screen: recommended to download now.
    pub selected: bool,
    pub reasons: Vec<Reason>,
}

/// The recommendations for this machine.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct SetupPlan {
    pub machine: Machine,
    pub picks: Vec<Pick>,
    /// What the ticked picks download together, in MiB.
    pub selected_mb: u64,
    /// False when the ticked picks do not fit the free disk space; `None` when it is unknown.
    pub fits_disk: Option<bool>,
}

/// A capability, the task of its models, the catalog ids preferred in order, why, and whether it is ticked.
type Wanted = (Capability, Task, Vec<&'static str>, Vec<Reason>, bool);

/// Memory from which the 1.5 B drafting model is recommended (it needs about 2.2 GB beside the app and the
/// reporter's other work).
const DRAFTING_MEMORY_MB: u64 = 6 * 1024;

/// One model per capability for `machine`, preferring Chinese-capable models when `chinese` (the reporter
/// works in Chinese). A capability with a model installed keeps it. Catalog ids are preferred in order; where
/// none of them is in the catalog, the smallest model of the task that fits is taken.
pub fn plan(store: &Store, machine: &Machine, chinese: bool) -> Result<SetupPlan> {
    let installed: Vec<_> = store.list()?.into_iter().filter(|s| s.installed).collect();
    let gpu = machine.gpu.is_some();
    let ram = machine.ram_mb;
    let big_enough = ram.is_none_or(|r| r >= DRAFTING_MEMORY_MB);

    let mut wanted: Vec<Wanted> = Vec::new();
    wanted.push(if big_enough {
        (
            Capability::Drafting,
            Task::Llm,
            vec!["qwen2.5-1.5b-instruct-q4_k_m", "smollm2-135m-instruct-q4_1"],
            vec![Reason::FitsMemory],
            true,
        )
    } else {
        (Capability::Drafting, Task::Llm, vec!["smollm2-135m-instruct-q4_1"], vec![Reason::SmallMemory], true)
    });
    wanted.push(if gpu {
        (
            Capability::Transcription,
            Task::Whisper,
            vec!["whisper-large-v3-turbo", "whisper-small", "whisper-base"],
            vec![Reason::Gpu],
            true,
        )
    } else if chinese {
        (Capability::Transcription, Task::Whisper, vec!["whisper-base"], vec![Reason::CpuSpeed, Reason::Chinese], true)
    } else {
        (Capability::Transcription, Task::Whisper, vec!["whisper-base"], vec![Reason::CpuSpeed], true)
    });
    wanted.push((Capability::SpeechDetection, Task::Vad, vec!["silero-vad"], vec![Reason::SpeedsTranscription], true));
    wanted.push((Capability::Speakers, Task::Speakers, vec!["campplus-zh-en"], vec![Reason::SpeakersApart], true));
    wanted.push(if chinese {
        (Capability::Related, Task::Embed, vec!["paraphrase-multilingual-minilm-l12-v2"], vec![Reason::Chinese], true)
    } else {
        (Capability::Related, Task::Embed, vec!["all-minilm-l6-v2"], vec![Reason::EnglishOnly], true)
    });
    wanted.push(if chinese {
        (Capability::Tone, Task::Sentiment, vec!["distilbert-sst2"], vec![Reason::BuiltinChinese], false)
    } else {
        (Capability::Tone, Task::Sentiment, vec!["distilbert-sst2"], vec![Reason::BetterEnglishTone], true)
    });
    wanted.push(if gpu {
        (Capability::Images, Task::Image, vec!["sd-turbo"], vec![Reason::Gpu], true)
    } else {
        (Capability::Images, Task::Image, vec!["sd-turbo"], vec![Reason::SlowWithoutGpu], false)
    });

    let catalog = store.catalog();
    let mut picks = Vec::new();
    for (capability, task, preferred, reasons, ticked) in wanted {
        // A model already installed for the task stays the pick (a whisper model serves transcription).
        if let Some(have) = installed.iter().find(|s| s.task == Some(task)) {
            let entry = catalog.get(&have.id);
            picks.push(Pick {
                capability,
                id: have.id.clone(),
                name: have.name.clone(),
                licence: have.licence.clone().unwrap_or_default(),
                description: entry.map(|e| e.description.clone()).unwrap_or_default(),
                description_zh: entry.map(|e| e.description_zh.clone()).unwrap_or_default(),
                download_mb: 0,
                ram_mb: have.ram_mb.unwrap_or(0),
                installed: true,
                selected: false,
                reasons: vec![Reason::Installed],
            });
            continue;
        }
        let fits = |e: &ModelEntry| ram.is_none_or(|r| e.ram_mb <= r);
        let of_task: Vec<&ModelEntry> =
            catalog.models.iter().filter(|e| e.task == task && e.format != crate::Format::Ctranslate2).collect();
        let chosen = preferred
            .iter()
            .filter_map(|id| of_task.iter().copied().find(|e| e.id == *id))
            .find(|e| fits(e))
            .or_else(|| of_task.iter().copied().filter(|e| fits(e)).min_by_key(|e| e.download_mb));
        let (entry, reasons, ticked) = match chosen {
            Some(e) => (e, reasons, ticked),
            None => match of_task.iter().copied().min_by_key(|e| e.ram_mb) {
                Some(e) => (e, vec![Reason::TooBig], false),
                None => continue,
            },
        };
        picks.push(Pick {
            capability,
            id: entry.id.clone(),
            name: entry.name.clone(),
            licence: entry.licence.clone(),
            description: entry.description.clone(),
            description_zh: entry.description_zh.clone(),
            download_mb: expected_size(entry).div_ceil(1024 * 1024).max(1),
            ram_mb: entry.ram_mb,
            installed: false,
            selected: ticked,
            reasons,
        });
    }
    let selected_mb = picks.iter().filter(|p| p.selected).map(|p| p.download_mb).sum();
    let fits_disk = machine.disk_free_mb.map(|free| selected_mb <= free);
    Ok(SetupPlan { machine: machine.clone(), picks, selected_mb, fits_disk })
}

#[cfg(test)]
mod tests {
    use super::*;
    use byline_core::AppPaths;

    fn store(home: &Path) -> Store {
        Store::new(&AppPaths::at(home)).expect("store")
    }

    fn machine(ram_gb: u64, gpu: bool) -> Machine {
        Machine { ram_mb: Some(ram_gb * 1024), disk_free_mb: Some(100 * 1024), gpu: gpu.then(|| "cuda:0".to_owned()) }
    }

    fn pick(plan: &SetupPlan, capability: Capability) -> &Pick {
        plan.picks.iter().find(|p| p.capability == capability).expect("a pick")
    }

    #[test]
    fn a_laptop_gets_the_catalogs_defaults_and_a_chinese_reporter_the_multilingual_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        let plan = plan(&store, &machine(16, false), false).expect("plan");
        assert_eq!(pick(&plan, Capability::Drafting).id, "qwen2.5-1.5b-instruct-q4_k_m");
        assert_eq!(pick(&plan, Capability::Transcription).id, "whisper-base");
        assert_eq!(pick(&plan, Capability::Transcription).reasons, [Reason::CpuSpeed]);
        assert_eq!(pick(&plan, Capability::SpeechDetection).id, "silero-vad");
        assert_eq!(pick(&plan, Capability::Speakers).id, "campplus-zh-en");
        assert_eq!(pick(&plan, Capability::Related).id, "all-minilm-l6-v2");
        assert!(pick(&plan, Capability::Tone).selected);
        let images = pick(&plan, Capability::Images);
        assert_eq!((images.id.as_str(), images.selected), ("sd-turbo", false), "no GPU: images left for later");
        assert_eq!(images.reasons, [Reason::SlowWithoutGpu]);
        // The total is what the ticked picks download, and 100 GB holds it.
        let ticked: u64 = plan.picks.iter().filter(|p| p.selected).map(|p| p.download_mb).sum();
        assert_eq!(plan.selected_mb, ticked);
        assert!(plan.selected_mb > 1000, "the 1.5 B model alone is over 1 GB: {}", plan.selected_mb);
        assert_eq!(plan.fits_disk, Some(true));

        let zh = super::plan(&store, &machine(16, false), true).expect("plan");
        assert_eq!(pick(&zh, Capability::Related).id, "paraphrase-multilingual-minilm-l12-v2");
        assert_eq!(pick(&zh, Capability::Related).reasons, [Reason::Chinese]);
        let tone = pick(&zh, Capability::Tone);
        assert_eq!((tone.selected, tone.reasons.as_slice()), (false, [Reason::BuiltinChinese].as_slice()));
        assert!(pick(&zh, Capability::Transcription).reasons.contains(&Reason::Chinese));
        assert!(!zh.picks.iter().any(|p| p.id.ends_with(".en")), "no English-only speech model for Chinese");
    }

    #[test]
    fn small_machines_get_small_models_and_gpus_the_accurate_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        let small = plan(&store, &machine(4, false), false).expect("plan");
        let drafting = pick(&small, Capability::Drafting);
        assert_eq!(drafting.id, "smollm2-135m-instruct-q4_1");
        assert_eq!(drafting.reasons, [Reason::SmallMemory]);

        let gpu = plan(&store, &machine(32, true), false).expect("plan");
        assert_eq!(pick(&gpu, Capability::Transcription).id, "whisper-large-v3-turbo");
        let images = pick(&gpu, Capability::Images);
        assert!(images.selected && images.reasons == [Reason::Gpu]);

        // 1 GB: nothing fits but the smallest models; what does not fit is named and left unticked.
        let tiny = plan(&store, &machine(1, false), false).expect("plan");
        for p in tiny.picks.iter().filter(|p| p.reasons == [Reason::TooBig]) {
            assert!(!p.selected && p.ram_mb > 1024, "{p:?}");
        }
        assert!(pick(&tiny, Capability::SpeechDetection).selected, "VAD needs 20 MB");

        // A full disk: the plan says the ticked picks do not fit.
        let full = Machine { disk_free_mb: Some(10), ..machine(16, false) };
        assert_eq!(plan(&store, &full, false).expect("plan").fits_disk, Some(false));
    }

    #[test]
    fn an_installed_model_is_kept_as_its_capabilitys_pick() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        let file = dir.path().join("local.gguf");
        std::fs::write(&file, crate::formats::tests::tiny_gguf()).expect("write");
        let manifest = store.import(&file, &byline_core::CancelToken::new()).expect("import");
        let plan = plan(&store, &machine(16, false), false).expect("plan");
        let drafting = pick(&plan, Capability::Drafting);
        assert_eq!((drafting.id.as_str(), drafting.installed, drafting.selected), (manifest.id.as_str(), true, false));
        assert_eq!(drafting.reasons, [Reason::Installed]);
        assert_eq!(drafting.download_mb, 0);
    }

    #[test]
    fn this_machine_is_measured() {
        let dir = tempfile::tempdir().expect("tempdir");
        let m = Machine::detect(&dir.path().join("not-yet").join("models"), None);
        if cfg!(target_os = "linux") {
            assert!(m.ram_mb.is_some_and(|r| r > 0), "{m:?}");
        }
        assert!(m.disk_free_mb.is_some(), "the free space of the folder's file system: {m:?}");
    }
}
