//! English text → words a speech engine reads correctly: money, percentages, dates, times, ordinals,
//! units, years, abbreviations and plain numbers.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::en_words::{cardinal, clock, decimal, ordinal, year};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, checked by its tests.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad built-in pattern {pattern}: {e}"))
}

const NUM: &str = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?";

static ABBREVIATIONS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"\bMr\.", "Mister"),
        (r"\bMrs\.", "Missus"),
        (r"\bMs\.", "Miz"),
        (r"\bDr\.", "Doctor"),
        (r"\bProf\.", "Professor"),
        (r"\bGov\.", "Governor"),
        (r"\bSen\.", "Senator"),
        (r"\bRep\.", "Representative"),
        (r"\bGen\.", "General"),
        (r"\bLt\.", "Lieutenant"),
        (r"\bCol\.", "Colonel"),
        (r"\bCapt\.", "Captain"),
        (r"\bSgt\.", "Sergeant"),
        (r"\bJr\.", "Junior"),
        (r"\bSr\.", "Senior"),
        (r"\bSt\.(\s+[A-Z])", "Saint$1"),
        (r"\bSt\.", "Street"),
        (r"\bAve\.", "Avenue"),
        (r"\be\.g\.", "for example"),
        (r"\bi\.e\.", "that is"),
        (r"\betc\.", "et cetera"),
        (r"\bvs\.?(\s)", "versus$1"),
        (r"\bapprox\.", "approximately"),
        (r"\bNo\.(\s*\d)", "number$1"),
        (r"\bJan\.", "January"),
        (r"\bFeb\.", "February"),
        (r"\bAug\.", "August"),
        (r"\bSept?\.", "September"),
        (r"\bOct\.", "October"),
        (r"\bNov\.", "November"),
        (r"\bDec\.", "December"),
        (r"&", " and "),
    ]
    .into_iter()
    .map(|(p, r)| (re(p), r))
    .collect()
});

static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d{4})-(\d{2})-(\d{2})\b"));
static MONTH_DAY: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"\b({})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(,?\s+(\d{{4}})\b)?", MONTHS.join("|"))));
static DAY_MONTH: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({})\b(\s+(\d{{4}})\b)?", MONTHS.join("|"))));
static TIME: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b([01]?\d|2[0-3]):([0-5]\d)(?:\s*([aApP])\.?\s?[mM]\.?(?:\s|$|[,;]))?"));
static MONEY: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"([$£€¥])\s?({NUM})(?:\s?(thousand|million|billion|trillion|bn|m|k)\b)?")));
static PERCENT: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"({NUM})\s?(?:%|per ?cent\b)")));
static ORDINAL: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d+)(?:st|nd|rd|th)\b"));
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(r"({NUM})\s?(km/h|mph|km|kg|cm|mm|ml|°C|°F|GB|MB|TB|kW|MW|lbs|lb|mi|m|g|l)(?:\b|$|\s)"))
});
static DECADE: LazyLock<Regex> = LazyLock::new(|| re(r"\b(1[1-9]\d0|20\d0)s\b"));
static YEAR: LazyLock<Regex> = LazyLock::new(|| re(r"\b(1[1-9]\d\d|20\d\d)\b"));
static NUMBER: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(^|[^\w.])(-)?({NUM})")));

fn month_name(m: &str) -> Option<&'static str> {
    let i: usize = m.parse().ok()?;
    MONTHS.get(i.checked_sub(1)?).copied()
}

fn unit_words(unit: &str, one: bool) -> &'static str {
    let (singular, plural) = match unit {
        "km/h" => ("kilometre per hour", "kilometres per hour"),
        "mph" => ("mile per hour", "miles per hour"),
        "km" => ("kilometre", "kilometres"),
        "kg" => ("kilogram", "kilograms"),
        "cm" => ("centimetre", "centimetres"),
        "mm" => ("millimetre", "millimetres"),
        "ml" => ("millilitre", "millilitres"),
        "°C" => ("degree Celsius", "degrees Celsius"),
        "°F" => ("degree Fahrenheit", "degrees Fahrenheit"),
        "GB" => ("gigabyte", "gigabytes"),
        "MB" => ("megabyte", "megabytes"),
        "TB" => ("terabyte", "terabytes"),
        "kW" => ("kilowatt", "kilowatts"),
        "MW" => ("megawatt", "megawatts"),
        "lb" | "lbs" => ("pound", "pounds"),
        "mi" => ("mile", "miles"),
        "m" => ("metre", "metres"),
        "g" => ("gram", "grams"),
        _ => ("litre", "litres"),
    };
    if one { singular } else { plural }
}

fn currency_words(symbol: &str, one: bool) -> (&'static str, &'static str) {
    // (main unit, hundredth)
    match (symbol, one) {
        ("$", true) => ("dollar", "cents"),
        ("$", false) => ("dollars", "cents"),
        ("£", true) => ("pound", "pence"),
        ("£", false) => ("pounds", "pence"),
        ("€", _) => (if one { "euro" } else { "euros" }, "cents"),
        _ => ("yuan", "fen"),
    }
}

fn number_words(text: &str) -> String {
    decimal(text).unwrap_or_else(|| text.to_string())
}

fn money(c: &Captures) -> String {
    let symbol = &c[1];
    let amount = &c[2];
    let scale = c.get(3).map(|m| match m.as_str() {
        "k" => "thousand",
        "m" => "million",
        "bn" => "billion",
        other => other,
    });
    let one = amount == "1" && scale.is_none();
    let (unit, cents_unit) = currency_words(symbol, one);
    if let Some(scale) = scale {
        return format!("{} {scale} {}", number_words(amount), currency_words(symbol, false).0);
    }
    match amount.split_once('.') {
        Some((whole, cents)) if cents.len() == 2 => {
            let whole_n: u64 = whole.replace(',', "").parse().unwrap_or(0);
            let cents_n: u64 = cents.parse().unwrap_or(0);
            let (unit, _) = currency_words(symbol, whole_n == 1);
            match (whole_n, cents_n) {
                (_, 0) => format!("{} {unit}", cardinal(whole_n)),
                (0, c) => format!("{} {cents_unit}", cardinal(c)),
                (w, c) => format!("{} {unit} and {} {cents_unit}", cardinal(w), cardinal(c)),
            }
        }
        _ => format!("{} {unit}", number_words(amount)),
    }
}

/// Rewrites one English sentence for speech.
pub fn normalize(text: &str) -> String {
    let mut s = text.to_string();
    for (pattern, replacement) in ABBREVIATIONS.iter() {
        s = pattern.replace_all(&s, *replacement).into_owned();
    }
    s = ISO_DATE
        .replace_all(&s, |c: &Captures| match (month_name(&c[2]), c[3].parse::<u64>(), c[1].parse::<u64>()) {
            (Some(month), Ok(day @ 1..=31), Ok(y)) => format!("{month} {}, {}", ordinal(day), year(y)),
            _ => c[0].to_string(),
        })
        .into_owned();
    s = MONTH_DAY
        .replace_all(&s, |c: &Captures| {
            let day: u64 = c[2].parse().unwrap_or(0);
            if !(1..=31).contains(&day) {
                return c[0].to_string();
            }
            match c.get(4).and_then(|y| y.as_str().parse::<u64>().ok()) {
                Some(y) => format!("{} {}, {}", &c[1], ordinal(day), year(y)),
                None => format!("{} {}", &c[1], ordinal(day)),
            }
        })
        .into_owned();
    s = DAY_MONTH
        .replace_all(&s, |c: &Captures| {
            let day: u64 = c[1].parse().unwrap_or(0);
            if !(1..=31).contains(&day) {
                return c[0].to_string();
            }
            match c.get(4).and_then(|y| y.as_str().parse::<u64>().ok()) {
                Some(y) => format!("the {} of {} {}", ordinal(day), &c[2], year(y)),
                None => format!("the {} of {}", ordinal(day), &c[2]),
            }
        })
        .into_owned();
    s = TIME
        .replace_all(&s, |c: &Captures| {
            let hour: u32 = c[1].parse().unwrap_or(0);
            let minute: u32 = c[2].parse().unwrap_or(0);
            match c.get(3) {
                Some(ap) => {
                    let tail = if c[0].ends_with([',', ';']) { &c[0][c[0].len() - 1..] } else { " " };
                    let suffix = if ap.as_str().eq_ignore_ascii_case("a") { "a m" } else { "p m" };
                    format!("{} {suffix}{tail}", clock(hour, minute, true))
                }
                None => clock(hour, minute, false),
            }
        })
        .into_owned();
    s = MONEY.replace_all(&s, |c: &Captures| money(c)).into_owned();
    s = PERCENT.replace_all(&s, |c: &Captures| format!("{} percent", number_words(&c[1]))).into_owned();
    s = ORDINAL
        .replace_all(&s, |c: &Captures| c[1].parse::<u64>().map(ordinal).unwrap_or_else(|_| c[0].to_string()))
        .into_owned();
    s = UNIT
        .replace_all(&s, |c: &Captures| {
            let trailing = if c[0].ends_with(char::is_whitespace) { " " } else { "" };
            format!("{} {}{trailing}", number_words(&c[1]), unit_words(&c[2], &c[1] == "1"))
        })
        .into_owned();
    s = DECADE
        .replace_all(&s, |c: &Captures| {
            let words = c[1].parse::<u64>().map(year).unwrap_or_default();
            match words.strip_suffix('y') {
                Some(stem) => format!("{stem}ies"),
                None => format!("{words}s"),
            }
        })
        .into_owned();
    s = YEAR.replace_all(&s, |c: &Captures| c[1].parse::<u64>().map(year).unwrap_or_default()).into_owned();
    s = NUMBER
        .replace_all(&s, |c: &Captures| {
            let sign = if c.get(2).is_some() { "minus " } else { "" };
            format!("{}{sign}{}", &c[1], number_words(&c[3]))
        })
        .into_owned();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn table() {
        let table = [
            ("It cost $20.", "It cost twenty dollars."),
            ("It cost $1.", "It cost one dollar."),
            ("Tickets are $3.50 each.", "Tickets are three dollars and fifty cents each."),
            ("A $1.5 million grant.", "A one point five million dollars grant."),
            ("Fees rose to £2,400.", "Fees rose to two thousand four hundred pounds."),
            ("Costs of €30bn.", "Costs of thirty billion euros."),
            ("Turnout was 62.5%.", "Turnout was sixty-two point five percent."),
            ("Up 3 per cent.", "Up three percent."),
            ("On 2026-11-29 we met.", "On November twenty-ninth, twenty twenty-six we met."),
            ("Born on March 3, 1999.", "Born on March third, nineteen ninety-nine."),
            ("By 5 June 2024.", "By the fifth of June twenty twenty-four."),
            ("The meeting starts at 10:30.", "The meeting starts at ten thirty."),
            ("Doors open at 7:05 p.m. sharp.", "Doors open at seven oh five p m sharp."),
            ("She finished 21st.", "She finished twenty-first."),
            ("The 3rd round.", "The third round."),
            ("A 5 km run.", "A five kilometres run."),
            ("It weighs 1 kg.", "It weighs one kilogram."),
            ("Highs of 31°C today.", "Highs of thirty-one degrees Celsius today."),
            ("In the 1990s.", "In the nineteen nineties."),
            ("Since 2008, prices doubled.", "Since two thousand eight, prices doubled."),
            ("About 1,234 people.", "About one thousand two hundred thirty-four people."),
            ("Temperatures of -5 overnight.", "Temperatures of minus five overnight."),
            ("Pi is 3.14.", "Pi is three point one four."),
            ("Mr. Smith met Dr. Jones.", "Mister Smith met Doctor Jones."),
            ("St. Louis is on Main St. today.", "Saint Louis is on Main Street today."),
            ("Fruit, e.g. apples.", "Fruit, for example apples."),
            ("Smith vs. Jones.", "Smith versus Jones."),
            ("Item No. 7.", "Item number seven."),
            ("Salt & pepper.", "Salt and pepper."),
            ("Route 66 and 7 people.", "Route sixty-six and seven people."),
        ];
        for (input, expected) in table {
            assert_eq!(normalize(input), expected, "{input}");
        }
    }

    #[test]
    fn text_without_numbers_is_unchanged() {
        let s = "The council voted, and nobody expected it!";
        assert_eq!(normalize(s), s);
    }
}
