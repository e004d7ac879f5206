//! byline-transcribe (being written).
