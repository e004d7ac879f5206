//! Models the app keeps loaded between requests (the assistant's language model, the image pipeline),
//! and freeing them when the next load needs their memory. A model in use is never freed.
use crate::commands::{assistant, images};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Warm {
    Llm,
    Image,
}

/// Before loading a `kind` model that needs about `needed_mb`: frees other warm models, largest first,
/// when the system could not otherwise give that much. Returns what was freed, for the user to see.
pub fn make_room(needed_mb: u64, kind: Warm) -> Vec<String> {
    let mut warm: Vec<(Warm, u64)> = Vec::new();
    if kind != Warm::Llm {
        warm.extend(assistant::warm_mb().map(|mb| (Warm::Llm, mb)));
    }
    if kind != Warm::Image {
        warm.extend(images::warm_mb().map(|mb| (Warm::Image, mb)));
    }
    let sizes: Vec<u64> = warm.iter().map(|(_, mb)| *mb).collect();
    byline_models::memory::to_free(byline_models::available_ram_mb(), needed_mb, &sizes)
        .into_iter()
        .filter_map(|i| match warm[i].0 {
            Warm::Llm => assistant::unload_warm(),
            Warm::Image => images::unload_warm(),
        })
        .collect()
}
