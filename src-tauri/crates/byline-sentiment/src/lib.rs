//! byline-sentiment (being written).
