//! byline-draft (being written).
