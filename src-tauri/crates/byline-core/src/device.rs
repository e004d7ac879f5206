//! Where the user asked inference to run: `auto`, `cpu`, `cuda`, `cuda:N` or `metal`. One typed value in the
//! settings and on every `--device` flag; `byline-device` turns it into a device and says when it fell back.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What the user asked for (`--device`, or `device` in settings.toml).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(try_from = "String", into = "String")]
// Written as a string: "cuda" alone reads as "cuda:0" and is written back so.
#[ts(type = "\"auto\" | \"cpu\" | \"metal\" | `cuda:${number}`")]
pub enum DeviceChoice {
    #[default]
    Auto,
    Cpu,
    Cuda(usize),
    Metal,
}

impl FromStr for DeviceChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "" | "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda(0)),
            "metal" => Ok(Self::Metal),
            _ => match s.strip_prefix("cuda:").map(str::parse) {
                Some(Ok(ordinal)) => Ok(Self::Cuda(ordinal)),
                _ => Err(format!("unknown device {s:?}: use auto, cpu, cuda, cuda:N or metal")),
            },
        }
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Cpu => f.write_str("cpu"),
            Self::Cuda(n) => write!(f, "cuda:{n}"),
            Self::Metal => f.write_str("metal"),
        }
    }
}

impl TryFrom<String> for DeviceChoice {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<DeviceChoice> for String {
    fn from(choice: DeviceChoice) -> String {
        choice.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_reads_and_writes_as_the_words_users_type() {
        assert_eq!("auto".parse(), Ok(DeviceChoice::Auto));
        assert_eq!(" CPU ".parse(), Ok(DeviceChoice::Cpu));
        assert_eq!("cuda".parse(), Ok(DeviceChoice::Cuda(0)));
        assert_eq!("cuda:1".parse(), Ok(DeviceChoice::Cuda(1)));
        assert_eq!("metal".parse(), Ok(DeviceChoice::Metal));
        assert!("tpu".parse::<DeviceChoice>().is_err());
        assert!("cuda:x".parse::<DeviceChoice>().is_err());
        assert_eq!(DeviceChoice::Cuda(2).to_string(), "cuda:2");
        let json = serde_json::to_string(&DeviceChoice::Cuda(1)).expect("json");
        assert_eq!(json, "\"cuda:1\"");
        assert_eq!(serde_json::from_str::<DeviceChoice>("\"metal\"").expect("parse"), DeviceChoice::Metal);
        assert!(serde_json::from_str::<DeviceChoice>("\"tpu\"").is_err());
    }
}
