//! The one place that decides where inference runs. Every inference crate asks here, so the
//! `--device` flag, the settings file and the fallback message behave the same everywhere.
use std::fmt;

use candle_core::Device;
use serde::Serialize;

pub use byline_core::DeviceChoice;

/// The device in use, and why, for the log line and the UI.
#[derive(Clone, Debug)]
pub struct Selected {
    pub device: Device,
    pub report: DeviceReport,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DeviceReport {
    /// "cpu", "cuda:0" or "metal".
    pub name: String,
    /// CPU threads inference may use.
    pub threads: usize,
    /// Set when the requested device was not available and we fell back to the CPU.
    pub fallback: Option<Fallback>,
    /// GPU backends compiled into this build.
    pub compiled: Vec<&'static str>,
}

/// Why the requested GPU is not the device in use (the CPU is): data for the app, an English sentence for the
/// CLI and logs (`Display`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Fallback {
    /// This build has no CUDA backend.
    NoCudaSupport,
    /// CUDA device `ordinal` could not be opened.
    CudaUnavailable { ordinal: usize, error: String },
    /// This build has no Metal backend.
    NoMetalSupport,
    /// The Metal device could not be opened.
    MetalUnavailable { error: String },
}

impl fmt::Display for Fallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCudaSupport => write!(f, "this build has no CUDA support; rebuild with `--features cuda`"),
            Self::CudaUnavailable { ordinal, error } => write!(f, "CUDA device {ordinal} is unavailable: {error}"),
            Self::NoMetalSupport => write!(f, "this build has no Metal support; rebuild with `--features metal`"),
            Self::MetalUnavailable { error } => write!(f, "Metal is unavailable: {error}"),
        }
    }
}

impl fmt::Display for DeviceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "inference on {} with {} CPU thread(s)", self.name, self.threads)?;
        if let Some(why) = &self.fallback {
            write!(f, " ({why})")?;
        }
        Ok(())
    }
}

fn compiled_backends() -> Vec<&'static str> {
    let mut v = Vec::new();
    if cfg!(feature = "cuda") {
        v.push("cuda");
    }
    if cfg!(feature = "metal") {
        v.push("metal");
    }
    v
}

/// Threads to use: the requested number, or all available cores for 0.
pub fn thread_count(requested: u32) -> usize {
    if requested > 0 {
        return requested as usize;
    }
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn cuda(ordinal: usize) -> Result<Device, Fallback> {
    if !cfg!(feature = "cuda") {
        return Err(Fallback::NoCudaSupport);
    }
    Device::new_cuda(ordinal).map_err(|e| Fallback::CudaUnavailable { ordinal, error: e.to_string() })
}

fn metal() -> Result<Device, Fallback> {
    if !cfg!(feature = "metal") {
        return Err(Fallback::NoMetalSupport);
    }
    Device::new_metal(0).map_err(|e| Fallback::MetalUnavailable { error: e.to_string() })
}

/// The device the settings ask for (their `device` and `threads`): the one call every command and engine
/// makes, so a setting means the same in the app and the CLI.
pub fn from_settings(settings: &byline_core::Settings) -> Selected {
    select(settings.device, settings.threads)
}

/// Picks the device. Never fails: an unavailable GPU falls back to the CPU with a reason that
/// the CLI prints and the app shows.
pub fn select(choice: DeviceChoice, threads: u32) -> Selected {
    let threads = thread_count(threads);
    let cpu = |fallback: Option<Fallback>| Selected {
        device: Device::Cpu,
        report: DeviceReport { name: "cpu".into(), threads, fallback, compiled: compiled_backends() },
    };
    let gpu = |device: Device, name: String| Selected {
        device,
        report: DeviceReport { name, threads, fallback: None, compiled: compiled_backends() },
    };
    match choice {
        DeviceChoice::Cpu => cpu(None),
        DeviceChoice::Cuda(n) => match cuda(n) {
            Ok(d) => gpu(d, format!("cuda:{n}")),
            Err(why) => cpu(Some(why)),
        },
        DeviceChoice::Metal => match metal() {
            Ok(d) => gpu(d, "metal".into()),
            Err(why) => cpu(Some(why)),
        },
        DeviceChoice::Auto => {
            if cfg!(feature = "cuda")
                && candle_core::utils::cuda_is_available()
                && let Ok(d) = cuda(0)
            {
                return gpu(d, "cuda:0".into());
            }
            if cfg!(feature = "metal")
                && candle_core::utils::metal_is_available()
                && let Ok(d) = metal()
            {
                return gpu(d, "metal".into());
            }
            cpu(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_is_always_available_and_threads_are_reported() {
        let s = select(DeviceChoice::Cpu, 3);
        assert!(s.device.is_cpu());
        assert_eq!(s.report.threads, 3);
        assert_eq!(s.report.fallback, None);
        assert!(select(DeviceChoice::Cpu, 0).report.threads >= 1);
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn missing_cuda_falls_back_to_cpu_with_a_reason() {
        let s = select(DeviceChoice::Cuda(0), 1);
        assert!(s.device.is_cpu());
        assert_eq!(s.report.fallback, Some(Fallback::NoCudaSupport));
        assert!(s.report.to_string().contains("inference on cpu"));
        assert!(s.report.to_string().contains("--features cuda"), "the CLI's line gives the reason in words");
    }

    #[cfg(not(any(feature = "cuda", feature = "metal")))]
    #[test]
    fn auto_without_gpu_backends_is_cpu() {
        let s = select(DeviceChoice::Auto, 2);
        assert!(s.device.is_cpu());
        assert_eq!(s.report.fallback, None);
        assert!(s.report.compiled.is_empty());
    }
}
