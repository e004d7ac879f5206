//! Microphone capture with cpal, kept thin: the device callback only down-mixes to mono and hands blocks
//! to the recording loop through a channel; everything else is tested without a device.

use std::sync::mpsc::SyncSender;

use byline_core::{Error, Result};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{SampleFormat, SizedSample, StreamConfig};
use serde::Serialize;

/// An input device the user can choose.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct InputDevice {
    pub name: String,
    pub is_default: bool,
}

fn dev_err(e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("microphone: {e}"))
}

/// Input devices of the default audio host (empty on a machine without one).
pub fn input_devices() -> Vec<InputDevice> {
    let host = cpal::default_host();
    let default = host.default_input_device().map(|d| d.to_string());
    let Ok(devices) = host.input_devices() else { return Vec::new() };
    devices
        .map(|d| {
            let name = d.to_string();
            InputDevice { is_default: default.as_deref() == Some(name.as_str()), name }
        })
        .collect()
}

/// A running capture; dropping it stops the device.
pub struct Capture {
    _stream: cpal::Stream,
    pub sample_rate: u32,
}

fn build<T>(device: &cpal::Device, config: &StreamConfig, tx: SyncSender<Vec<f32>>) -> Result<cpal::Stream>
where
    T: SizedSample,
    f32: cpal::FromSample<T>,
{
    let channels = usize::from(config.channels.max(1));
    device
        .build_input_stream::<T, _, _>(
            *config,
            move |data: &[T], _| {
                let mono: Vec<f32> = data
                    .chunks(channels)
                    .map(|f| {
                        f.iter().map(|&s| <f32 as cpal::FromSample<T>>::from_sample_(s)).sum::<f32>() / channels as f32
                    })
                    .collect();
                // A full channel means the writer has stalled; dropping a block beats blocking the audio thread.
                let _ = tx.try_send(mono);
            },
            |e| eprintln!("microphone error: {e}"),
            None,
        )
        .map_err(dev_err)
}

/// Starts capturing from the named device (or the default one), sending mono blocks to `tx`.
pub fn start(device_name: Option<&str>, tx: SyncSender<Vec<f32>>) -> Result<Capture> {
    let host = cpal::default_host();
    let device = match device_name {
        Some(name) => host
            .input_devices()
            .map_err(dev_err)?
            .find(|d| d.to_string() == name)
            .ok_or_else(|| Error::InvalidInput(format!("no input device named {name:?}")))?,
        None => host.default_input_device().ok_or_else(|| Error::InvalidInput("no microphone was found".into()))?,
    };
    let supported = device.default_input_config().map_err(dev_err)?;
    let config = supported.config();
    let stream = match supported.sample_format() {
        SampleFormat::F32 => build::<f32>(&device, &config, tx)?,
        SampleFormat::I16 => build::<i16>(&device, &config, tx)?,
        SampleFormat::I32 => build::<i32>(&device, &config, tx)?,
        SampleFormat::U16 => build::<u16>(&device, &config, tx)?,
        other => return Err(Error::InvalidInput(format!("the microphone's sample format {other:?} is not supported"))),
    };
    stream.play().map_err(dev_err)?;
    Ok(Capture { _stream: stream, sample_rate: config.sample_rate })
}
