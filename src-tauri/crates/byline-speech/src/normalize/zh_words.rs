//! Chinese number words: 1234 → 一千二百三十四, 20000 → 两万, 2026 (a year) → 二零二六.

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const SMALL_UNITS: [&str; 4] = ["", "十", "百", "千"];
const BIG_UNITS: [&str; 5] = ["", "万", "亿", "万亿", "亿亿"];

/// Reads a group of up to four digits (0..=9999). `zero_before` asks for a leading 零 when the group
/// is short of its thousands place and a higher group came before (10005 → 一万零五).
fn group(n: u64, zero_before: bool) -> String {
    let mut out = String::new();
    let digits = [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10];
    let mut pending_zero = zero_before && digits[0] == 0;
    let mut started = false;
    for (i, d) in digits.iter().enumerate() {
        let unit = SMALL_UNITS[3 - i];
        if *d == 0 {
            if started {
                pending_zero = true;
            }
            continue;
        }
        if pending_zero && (started || zero_before) {
            out.push('零');
        }
        pending_zero = false;
        out.push(DIGITS[*d as usize]);
        out.push_str(unit);
        started = true;
    }
    out
}

/// Cardinal number in Chinese.
pub fn cardinal(n: u64) -> String {
    if n == 0 {
        return "零".into();
    }
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 10_000);
        rest /= 10_000;
    }
    let mut out = String::new();
    let mut higher = false;
    let mut gap = false;
    for (i, g) in groups.iter().enumerate().rev() {
        if *g == 0 {
            gap = higher;
            continue;
        }
        let zero_before = higher && (gap || *g < 1000);
        out.push_str(&group(*g, zero_before));
        out.push_str(BIG_UNITS[i.min(BIG_UNITS.len() - 1)]);
        higher = true;
        gap = false;
    }
    // 10–19 are said 十, 十五 rather than 一十, 一十五 when they lead the number.
    if let Some(rest) = out.strip_prefix("一十") {
        out = format!("十{rest}");
    }
    // A leading 2 before 千, 万 or 亿 is said 两.
    for unit in ['千', '万', '亿'] {
        let lead = format!("二{unit}");
        if out.starts_with(&lead) {
            out = format!("两{}", &out['二'.len_utf8()..]);
            break;
        }
    }
    out
}

/// Digit by digit: years, phone numbers, codes.
pub fn digits(s: &str) -> String {
    s.chars().filter_map(|c| c.to_digit(10)).map(|d| DIGITS[d as usize]).collect()
}

/// "3.5" → 三点五, "1,200" → 一千二百. None for what is not a number.
pub fn decimal(text: &str) -> Option<String> {
    let clean: String = text.chars().filter(|c| *c != ',').collect();
    let (int, frac) = match clean.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (clean.as_str(), None),
    };
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int_words = if int.is_empty() {
        "零".to_string()
    } else if int.len() > 16 || (int.len() > 1 && int.starts_with('0')) {
        digits(int)
    } else {
        cardinal(int.parse().ok()?)
    };
    match frac {
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            Some(format!("{int_words}点{}", digits(f)))
        }
        Some(_) => None,
        None => Some(int_words),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals() {
        let table = [
            (0, "零"),
            (5, "五"),
            (10, "十"),
            (15, "十五"),
            (20, "二十"),
            (105, "一百零五"),
            (110, "一百一十"),
            (1_001, "一千零一"),
            (1_234, "一千二百三十四"),
            (2_000, "两千"),
            (10_000, "一万"),
            (10_005, "一万零五"),
            (20_000, "两万"),
            (100_000, "十万"),
            (1_050_000, "一百零五万"),
            (123_456_789, "一亿二千三百四十五万六千七百八十九"),
            (200_000_000, "两亿"),
            (100_000_001, "一亿零一"),
            (1_400_000_000, "十四亿"),
        ];
        for (n, words) in table {
            assert_eq!(cardinal(n), words, "{n}");
        }
    }

    #[test]
    fn decimals_and_digits() {
        assert_eq!(decimal("3.5").as_deref(), Some("三点五"));
        assert_eq!(decimal("1,200").as_deref(), Some("一千二百"));
        assert_eq!(decimal("0.25").as_deref(), Some("零点二五"));
        assert_eq!(decimal("007").as_deref(), Some("零零七"));
        assert_eq!(decimal("x1"), None);
        assert_eq!(digits("2026"), "二零二六");
    }
}
