//! Which language a sentence is in, as far as engine choice cares: Chinese or not.

/// Han characters, CJK punctuation and full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF | 0x3000..=0x303F | 0xFF00..=0xFFEF)
}

/// "zh" when Han characters make up at least a third of the letters (short mixed sentences such as
/// "iPhone 很好用" are still Chinese); otherwise whatlang's ISO 639-1-ish code, "en" by default.
pub fn detect(text: &str) -> &'static str {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    let han = text.chars().filter(|c| c.is_alphabetic() && is_cjk(*c)).count();
    if han > 0 && han * 3 >= letters {
        return "zh";
    }
    match whatlang::detect(text) {
        Some(info) if info.is_reliable() => match info.lang() {
            whatlang::Lang::Cmn => "zh",
            whatlang::Lang::Eng => "en",
            whatlang::Lang::Deu => "de",
            whatlang::Lang::Fra => "fr",
            whatlang::Lang::Spa => "es",
            whatlang::Lang::Jpn => "ja",
            _ => "other",
        },
        _ => "en",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english() {
        assert_eq!(detect("今天的天气非常好。"), "zh");
        assert_eq!(detect("iPhone 很好用"), "zh");
        assert_eq!(detect("The weather is lovely today and everyone is happy."), "en");
        assert_eq!(detect("Great!"), "en");
    }
}
