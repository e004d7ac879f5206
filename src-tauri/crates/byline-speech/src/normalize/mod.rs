//! Text normalisation for speech, table-tested per language.
mod en;
mod en_words;
mod zh;
mod zh_words;

use crate::text::Lang;

/// Rewrites a sentence so the voice for `lang` reads numbers, dates, money and units as a newsreader would.
pub fn for_speech(sentence: &str, lang: Lang) -> String {
    match lang {
        Lang::En => en::normalize(sentence),
        Lang::Zh => zh::normalize(sentence),
    }
}
