//! byline-images (being written).
