//! A tiny random-weight Stable Diffusion pipeline in the diffusers layout, written by tests
//! (here and in the CLI) so that the real loading and sampling code runs end to end without
//! the gigabytes of a published checkpoint.
use std::collections::BTreeMap;
use std::path::Path;

use candle_core::{DType, Device};
use candle_nn::{VarBuilder, VarMap};
use candle_transformers::models::stable_diffusion::unet_2d::UNet2DConditionModel;
use candle_transformers::models::stable_diffusion::vae::AutoEncoderKL;
use serde_json::json;

use crate::clip::{ClipConfig, ClipTextEncoder};
use crate::config::PipelineConfig;

/// Words the tiny vocabulary knows whole (through merges); anything else falls back to bytes.
const WORDS: &[&str] = &["cat", "harbour", "night", "blurry"];

fn write(path: &Path, value: &serde_json::Value) -> std::io::Result<()> {
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap_or_default())
}

/// Byte-level symbols, their end-of-word forms, merges building `WORDS`, and CLIP's specials.
fn write_tokenizer(dir: &Path) -> std::io::Result<usize> {
    let mut alphabet: Vec<char> = tokenizers::pre_tokenizers::byte_level::ByteLevel::alphabet().into_iter().collect();
    alphabet.sort();
    let mut vocab: BTreeMap<String, usize> = BTreeMap::new();
    let add = |t: String, v: &mut BTreeMap<String, usize>| {
        let n = v.len();
        v.entry(t).or_insert(n);
    };
    for c in &alphabet {
        add(c.to_string(), &mut vocab);
    }
    for c in &alphabet {
        add(format!("{c}</w>"), &mut vocab);
    }
    let mut merges = vec!["#version: 0.2".to_string()];
    for w in WORDS {
        let chars: Vec<char> = w.chars().collect();
        let mut left = chars[0].to_string();
        for (i, c) in chars.iter().enumerate().skip(1) {
            let right = if i == chars.len() - 1 { format!("{c}</w>") } else { c.to_string() };
            merges.push(format!("{left} {right}"));
            left = format!("{left}{right}");
            add(left.clone(), &mut vocab);
        }
    }
    add("<|startoftext|>".into(), &mut vocab);
    add("<|endoftext|>".into(), &mut vocab);
    let n = vocab.len();
    write(&dir.join("tokenizer/vocab.json"), &json!(vocab))?;
    std::fs::write(dir.join("tokenizer/merges.txt"), merges.join("\n") + "\n")?;
    let specials = json!({"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
                          "unk_token": "<|endoftext|>", "pad_token": "<|endoftext|>"});
    write(&dir.join("tokenizer/special_tokens_map.json"), &specials)?;
    // What transformers' CLIPTokenizer reads besides the two files (diffusers pads to 77).
    let mut config = specials;
    config["tokenizer_class"] = json!("CLIPTokenizer");
    config["model_max_length"] = json!(77);
    config["do_lower_case"] = json!(true);
    write(&dir.join("tokenizer/tokenizer_config.json"), &config)?;
    Ok(n)
}

/// Writes a tiny SD-1.x-shaped pipeline into `dir`: CLIP (2 layers, width 32), UNet (32/64
/// channels, one cross-attention block), VAE with four blocks (so the usual 8× latent
/// downscale) and a DDIM scheduler. Weights are random (VarMap initialisation). The configs
/// are complete enough for diffusers' `StableDiffusionPipeline.from_pretrained` to load the
/// same folder, which the image benchmark (`cargo xtask bench images`) relies on.
pub fn write_tiny_pipeline(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let vocab = write_tokenizer(dir)?;
    write(
        &dir.join("model_index.json"),
        &json!({"_class_name": "StableDiffusionPipeline", "_name_or_path": "tiny-sd",
                "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
                "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
                "scheduler": ["diffusers", "DDIMScheduler"], "safety_checker": [null, null],
                "feature_extractor": [null, null], "requires_safety_checker": false}),
    )?;
    // The tokenizer ends with the two specials: start of text, then end of text.
    let (bos, eos) = (vocab - 2, vocab - 1);
    write(
        &dir.join("text_encoder/config.json"),
        &json!({"architectures": ["CLIPTextModel"], "model_type": "clip_text_model",
                "vocab_size": vocab, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                "num_attention_heads": 4, "max_position_embeddings": 77, "hidden_act": "quick_gelu",
                "layer_norm_eps": 1e-5, "bos_token_id": bos, "eos_token_id": eos, "pad_token_id": eos}),
    )?;
    write(
        &dir.join("unet/config.json"),
        &json!({"_class_name": "UNet2DConditionModel", "in_channels": 4, "out_channels": 4,
                "block_out_channels": [32, 64], "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
                "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "layers_per_block": 1,
                "attention_head_dim": 4, "cross_attention_dim": 32, "norm_num_groups": 8, "sample_size": 8}),
    )?;
    write(
        &dir.join("vae/config.json"),
        &json!({"_class_name": "AutoencoderKL", "in_channels": 3, "out_channels": 3,
                "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
                "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
                "block_out_channels": [8, 8, 8, 8], "layers_per_block": 1, "latent_channels": 4,
                "norm_num_groups": 4, "scaling_factor": 0.18215, "sample_size": 64}),
    )?;
    write(
        &dir.join("scheduler/scheduler_config.json"),
        &json!({"_class_name": "DDIMScheduler", "beta_start": 0.00085, "beta_end": 0.012,
                "beta_schedule": "scaled_linear", "num_train_timesteps": 1000, "steps_offset": 1,
                "prediction_type": "epsilon", "set_alpha_to_one": false, "clip_sample": false,
                "timestep_spacing": "leading"}),
    )?;
    let cfg = PipelineConfig::read(dir)?;
    let dev = Device::Cpu;

    let vm = VarMap::new();
    UNet2DConditionModel::new(VarBuilder::from_varmap(&vm, DType::F32, &dev), 4, 4, false, cfg.unet.clone())?;
    vm.save(dir.join("unet/diffusion_pytorch_model.safetensors"))?;

    let vm = VarMap::new();
    AutoEncoderKL::new(VarBuilder::from_varmap(&vm, DType::F32, &dev), 3, 3, cfg.vae.clone())?;
    vm.save(dir.join("vae/diffusion_pytorch_model.safetensors"))?;

    let vm = VarMap::new();
    let clip: ClipConfig = cfg.clip.clone();
    ClipTextEncoder::new(VarBuilder::from_varmap(&vm, DType::F32, &dev), clip)?;
    vm.save(dir.join("text_encoder/model.safetensors"))?;
    Ok(())
}

/// Replaces the scheduler config (e.g. to test Euler-ancestral or an unknown class).
pub fn set_scheduler(dir: &Path, value: serde_json::Value) -> std::io::Result<()> {
    write(&dir.join("scheduler/scheduler_config.json"), &value)
}
