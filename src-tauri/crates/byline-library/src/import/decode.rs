//! Turning a file's bytes into text, whatever encoding the newsroom's tools saved it in.
use chardetng::EncodingDetector;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

/// How much of a file the charset detector and the binary check look at. Both decide within
/// the first few kilobytes in practice; capping keeps huge files linear and cheap.
const SNIFF_BYTES: usize = 1024 * 1024;
const CONTROL_SAMPLE_CHARS: usize = 8192;

/// Decodes a text file: UTF-8 (with or without BOM), UTF-16 with a BOM, or a legacy encoding
/// (GBK/GB18030, Windows-1252, ...) guessed by chardetng. Line endings become `\n`.
/// Binary and empty files are errors.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if bytes.is_empty() {
        return Err("empty file".into());
    }
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8_lossy(rest).into_owned()
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(UTF_16LE, rest)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(UTF_16BE, rest)
    } else {
        if bytes.contains(&0) {
            return Err("binary file (not text): it contains NUL bytes".into());
        }
        decode_without_bom(bytes)
    };
    if looks_binary(&text) {
        return Err("binary file (not text): mostly control characters".into());
    }
    if text.trim().is_empty() {
        return Err("empty file (only whitespace)".into());
    }
    Ok(normalize_newlines(text))
}

fn utf16(encoding: &'static Encoding, bytes: &[u8]) -> String {
    // A truncated final code unit decodes to U+FFFD instead of failing.
    let (text, _had_errors) = encoding.decode_without_bom_handling(bytes);
    text.into_owned()
}

fn decode_without_bom(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => return text.to_string(),
        // A file cut in the middle of its last character is still UTF-8; only the tail is lost.
        Err(e) if e.error_len().is_none() => return String::from_utf8_lossy(bytes).into_owned(),
        Err(_) => {}
    }
    let sniff = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let mut detector = EncodingDetector::new();
    detector.feed(sniff, sniff.len() == bytes.len());
    let encoding = detector.guess(None, true);
    let (text, _had_errors) = encoding.decode_without_bom_handling(bytes);
    text.into_owned()
}

fn looks_binary(text: &str) -> bool {
    let (mut total, mut control) = (0usize, 0usize);
    for c in text.chars().take(CONTROL_SAMPLE_CHARS) {
        total += 1;
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}') {
            control += 1;
        }
    }
    total > 0 && control * 10 > total
}

fn normalize_newlines(text: String) -> String {
    if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode("héllo 你好".as_bytes()).expect("plain"), "héllo 你好");
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("héllo".as_bytes());
        assert_eq!(decode(&bom).expect("bom"), "héllo");
    }

    #[test]
    fn utf16_with_bom() {
        let text = "Title: 标题\r\nbody";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&le).expect("le"), "Title: 标题\nbody");
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be).expect("be"), "Title: 标题\nbody");
        // An odd byte count (truncated file) must not panic.
        le.push(0x41);
        assert!(decode(&le).expect("odd").starts_with("Title"));
    }

    #[test]
    fn gbk_chinese_without_bom() {
        let original = "新华社北京电，国务院今天召开常务会议，研究部署进一步扩大内需的政策措施。\
                        会议指出，要坚持稳中求进工作总基调，推动经济持续回升向好。";
        let (bytes, _, _) = encoding_rs::GBK.encode(original);
        assert!(std::str::from_utf8(&bytes).is_err());
        assert_eq!(decode(&bytes).expect("gbk"), original);
    }

    #[test]
    fn windows_1252_smart_quotes() {
        let bytes = b"\x93Smart quotes\x94 and an em dash \x97 in a caf\xE9 article.";
        let text = decode(bytes).expect("cp1252");
        assert_eq!(text, "\u{201c}Smart quotes\u{201d} and an em dash \u{2014} in a café article.");
    }

    #[test]
    fn truncated_multibyte_at_end_is_lossy_not_fatal() {
        let mut bytes = "完整的句子".as_bytes().to_vec();
        bytes.extend_from_slice(&"字".as_bytes()[..2]);
        let text = decode(&bytes).expect("truncated");
        assert!(text.starts_with("完整的句子"));
    }

    #[test]
    fn binary_and_empty_are_rejected() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(decode(png).expect_err("png").starts_with("binary file"));
        let controls: Vec<u8> = (1u8..9).cycle().take(400).collect();
        assert!(decode(&controls).expect_err("ctl").starts_with("binary file"));
        assert_eq!(decode(b"").expect_err("empty"), "empty file");
        assert!(decode(b"  \r\n ").expect_err("ws").starts_with("empty file"));
    }

    #[test]
    fn crlf_and_cr_become_lf() {
        assert_eq!(decode(b"a\r\nb\rc").expect("nl"), "a\nb\nc");
    }
}
