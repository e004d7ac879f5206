//! English number words: cardinals, ordinals, years, decimals and clock times.

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
const SCALES: [(u64, &str); 6] = [
    (1_000_000_000_000_000_000, "quintillion"),
    (1_000_000_000_000_000, "quadrillion"),
    (1_000_000_000_000, "trillion"),
    (1_000_000_000, "billion"),
    (1_000_000, "million"),
    (1_000, "thousand"),
];

fn below_hundred(n: u64, out: &mut Vec<String>) {
    if n < 20 {
        out.push(ONES[n as usize].to_string());
    } else if n.is_multiple_of(10) {
        out.push(TENS[(n / 10) as usize].to_string());
    } else {
        out.push(format!("{}-{}", TENS[(n / 10) as usize], ONES[(n % 10) as usize]));
    }
}

fn below_thousand(n: u64, out: &mut Vec<String>) {
    if n >= 100 {
        out.push(ONES[(n / 100) as usize].to_string());
        out.push("hundred".into());
        if !n.is_multiple_of(100) {
            below_hundred(n % 100, out);
        }
    } else {
        below_hundred(n, out);
    }
}

/// 1234 → "one thousand two hundred thirty-four".
pub fn cardinal(n: u64) -> String {
    if n == 0 {
        return "zero".into();
    }
    let mut out = Vec::new();
    let mut rest = n;
    for (scale, name) in SCALES {
        if rest >= scale {
            below_thousand(rest / scale, &mut out);
            out.push(name.into());
            rest %= scale;
        }
    }
    if rest > 0 {
        below_thousand(rest, &mut out);
    }
    out.join(" ")
}

/// 21 → "twenty-first".
pub fn ordinal(n: u64) -> String {
    let words = cardinal(n);
    let (head, last) = match words.rfind([' ', '-']) {
        Some(i) => words.split_at(i + 1),
        None => ("", words.as_str()),
    };
    let last = match last {
        "one" => "first".to_string(),
        "two" => "second".to_string(),
        "three" => "third".to_string(),
        "five" => "fifth".to_string(),
        "eight" => "eighth".to_string(),
        "nine" => "ninth".to_string(),
        "twelve" => "twelfth".to_string(),
        w if w.ends_with('y') => format!("{}ieth", &w[..w.len() - 1]),
        w => format!("{w}th"),
    };
    format!("{head}{last}")
}

/// A year as people say it: 1999 → "nineteen ninety-nine", 2005 → "two thousand five", 2026 → "twenty twenty-six".
pub fn year(n: u64) -> String {
    if !(1000..=9999).contains(&n) {
        return cardinal(n);
    }
    let (hi, lo) = (n / 100, n % 100);
    if n % 1000 < 10 && (2000..2010).contains(&n) || n.is_multiple_of(1000) {
        return cardinal(n);
    }
    let lo_words = match lo {
        0 => "hundred".to_string(),
        1..=9 => format!("oh {}", ONES[lo as usize]),
        _ => cardinal(lo),
    };
    format!("{} {}", cardinal(hi), lo_words)
}

/// Digits after a decimal point, one by one: "14" → "one four".
pub fn digits(s: &str) -> String {
    s.chars().filter_map(|c| c.to_digit(10)).map(|d| ONES[d as usize]).collect::<Vec<_>>().join(" ")
}

/// "3.14" → "three point one four"; "1,200" → "one thousand two hundred". None for what is not a number.
pub fn decimal(text: &str) -> Option<String> {
    let clean: String = text.chars().filter(|c| *c != ',').collect();
    let (int, frac) = match clean.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (clean.as_str(), None),
    };
    if int.is_empty() && frac.is_none() {
        return None;
    }
    let int_words = if int.is_empty() {
        "zero".to_string()
    } else if int.len() > 18 || !int.bytes().all(|b| b.is_ascii_digit()) {
        if !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits(int)
    } else {
        cardinal(int.parse().ok()?)
    };
    match frac {
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            Some(format!("{int_words} point {}", digits(f)))
        }
        Some(_) => None,
        None => Some(int_words),
    }
}

/// 10:30 → "ten thirty", 9:05 → "nine oh five", 14:00 → "fourteen hundred" is avoided: "two o'clock"
/// only with am/pm; a bare 24-hour time keeps its hour ("fourteen o'clock" reads oddly, so "fourteen hundred").
pub fn clock(hour: u32, minute: u32, twelve_hour: bool) -> String {
    let h = cardinal(u64::from(hour));
    match minute {
        0 if twelve_hour => format!("{h} o'clock"),
        0 if hour > 12 => format!("{h} hundred"),
        0 => format!("{h} o'clock"),
        1..=9 => format!("{h} oh {}", ONES[minute as usize]),
        _ => format!("{h} {}", cardinal(u64::from(minute))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals() {
        let table = [
            (0, "zero"),
            (7, "seven"),
            (15, "fifteen"),
            (40, "forty"),
            (42, "forty-two"),
            (100, "one hundred"),
            (101, "one hundred one"),
            (999, "nine hundred ninety-nine"),
            (1_000, "one thousand"),
            (1_234, "one thousand two hundred thirty-four"),
            (2_000_000, "two million"),
            (3_500_010, "three million five hundred thousand ten"),
            (7_000_000_000, "seven billion"),
        ];
        for (n, words) in table {
            assert_eq!(cardinal(n), words, "{n}");
        }
    }

    #[test]
    fn ordinals() {
        let table = [
            (1, "first"),
            (2, "second"),
            (3, "third"),
            (12, "twelfth"),
            (20, "twentieth"),
            (21, "twenty-first"),
            (29, "twenty-ninth"),
            (100, "one hundredth"),
        ];
        for (n, words) in table {
            assert_eq!(ordinal(n), words, "{n}");
        }
    }

    #[test]
    fn years() {
        let table = [
            (1999, "nineteen ninety-nine"),
            (1905, "nineteen oh five"),
            (1900, "nineteen hundred"),
            (2000, "two thousand"),
            (2005, "two thousand five"),
            (2010, "twenty ten"),
            (2026, "twenty twenty-six"),
        ];
        for (n, words) in table {
            assert_eq!(year(n), words, "{n}");
        }
    }

    #[test]
    fn decimals_and_times() {
        assert_eq!(decimal("3.14").as_deref(), Some("three point one four"));
        assert_eq!(decimal("1,200").as_deref(), Some("one thousand two hundred"));
        assert_eq!(decimal(".5").as_deref(), Some("zero point five"));
        assert_eq!(decimal("1.2.3"), None);
        assert_eq!(clock(10, 30, false), "ten thirty");
        assert_eq!(clock(9, 5, true), "nine oh five");
        assert_eq!(clock(7, 0, true), "seven o'clock");
        assert_eq!(clock(14, 0, false), "fourteen hundred");
    }
}
