//! byline-related (being written).
